import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFeedback, validatePrediction } from '@inferlens/semconv';
import { ClickHouseStore, type QueryParams } from '../store/ClickHouseStore.js';
import { InsertBatcher } from '../store/InsertBatcher.js';
import { FEEDBACK } from '../store/schema/feedback.js';
import { PREDICTIONS } from '../store/schema/predictions.js';
import { REFERENCE_PROFILES, type ReferenceProfileRow } from '../store/schema/reference-profiles.js';
import { StoreError } from '../errors.js';
import { feedbackToRow, predictionToRow } from '../ingest/native/to-rows.js';
import { nowUnixNano } from '../http/request-context.js';
import { DriftJob } from './DriftJob.js';
import { QualityJob } from './QualityJob.js';
import { SlaJob } from './SlaJob.js';
import { profileRange } from './feature-profile.js';
import { DEFAULT_BURN_RATES } from '../config.js';
import { DEFAULT_QUALITY_OUTPUTS } from '../config.js';
import { random } from '../../../test/helpers/random.js';

// The jobs on the real engine: one poisoned unit (a corrupt stored reference for drift, a store
// that fails every query of one project for SLA and quality) among healthy units of several
// projects. The healthy units get every window in the same run; the poisoned one is reported,
// backs off, and catches up once it heals. Also the two poisons users met: a prediction at the
// epoch, and a project with predictions but no feedback.

const W = 60_000;
const DAY = 86_400_000;
/** Three windows a day before now; the wall clock (idle timeout) closes all of them. */
const T0 = Math.floor((Date.now() - DAY) / W) * W;
const PROJECTS = ['p1', 'p2', 'p3'];
const POISONED = 'p2';

let dataDir: string;
let store: ClickHouseStore;
let clock = Date.now();
let failProject: string | undefined;

/** The store, with every query of `failProject` failing as an unavailable table would. */
function faultyStore(): ClickHouseStore {
  const real = store.query.bind(store);
  const faulty = Object.create(store) as ClickHouseStore;
  Object.defineProperty(faulty, 'query', {
    value: <T>(sql: string, params?: QueryParams): Promise<T[]> =>
      failProject !== undefined && params?.project === failProject ? Promise.reject(new StoreError(`injected failure for project ${failProject}`, undefined)) : real<T>(sql, params),
  });
  for (const m of ['insert', 'insertRowBinary', 'command'] as const) Object.defineProperty(faulty, m, { value: (store[m] as (...a: unknown[]) => unknown).bind(store) });
  return faulty;
}

async function insertPredictions(records: unknown[]): Promise<void> {
  const receivedAt = nowUnixNano();
  const rows = records.map((r) => {
    const v = validatePrediction(r);
    if (!v.ok) throw new Error(`${v.field}: ${v.message}`);
    return predictionToRow(v.value, receivedAt);
  });
  const batcher = new InsertBatcher(store, PREDICTIONS);
  await batcher.add(rows);
  await batcher.close();
}

async function insertFeedback(records: unknown[]): Promise<void> {
  const receivedAt = nowUnixNano();
  const batcher = new InsertBatcher(store, FEEDBACK);
  await batcher.add(records.map((r) => {
    const v = validateFeedback(r);
    if (!v.ok) throw new Error(`${v.field}: ${v.message}`);
    return feedbackToRow(v.value, receivedAt);
  }));
  await batcher.close();
}

/** The profile of `project`'s traffic before `to` (window 0), stored as its reference under `referenceId` (a corrupt one when `corrupt`). */
async function saveReference(project: string, referenceId: string, corrupt = false, to = T0 + W): Promise<void> {
  const profile = await profileRange(store, { project }, { to: String(BigInt(to) * 1_000_000n) });
  await store.insert(REFERENCE_PROFILES, [reference(project, 'm', referenceId, profile.rows, corrupt ? '{"rows": 50, "numeric": {' : JSON.stringify(profile))]);
}

/** A stored data-set reference of version v1 of `model`. */
function reference(project: string, model: string, referenceId: string, rows: number, profile: string): ReferenceProfileRow {
  return { Project: project, ModelName: model, ModelVersion: 'v1', ReferenceId: referenceId, Kind: 'dataset', SourceVersion: '', SourceFrom: null, SourceTo: null, Rows: rows, Profile: profile, Deleted: false };
}

const timing = { windowMs: W, allowedLatenessMs: 1000, idleTimeoutMs: 1000, now: () => clock, units: { now: () => clock, initialBackoffMs: 60_000 } };

const windowsOf = async (table: string, project: string): Promise<number[]> =>
  (await store.query<{ w: string }>(`SELECT DISTINCT toString(toUnixTimestamp64Milli(WindowStart)) AS w FROM ${table} FINAL WHERE Project = {project:String} ORDER BY w`, { project })).map(
    (r) => (Number(r.w) - T0) / W,
  );

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-isolation-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  await store.migrate();
  const r = random(11);
  const predictions: unknown[] = [];
  const feedback: unknown[] = [];
  for (const project of PROJECTS) {
    for (let w = 0; w < 3; w++) {
      for (let i = 0; i < 50; i++) {
        const score = r();
        const predictionId = `${project}-${w}-${i}`;
        predictions.push({ predictionId, project, model: 'm', version: 'v1', timestamp: T0 + w * W + i * 1000, latencyMs: 10 + 100 * r(), features: { x: r(), plan: score > 0.5 ? 'pro' : 'free' }, outputs: { label: score > 0.5 ? '1' : '0', score } });
        feedback.push({ predictionId, project, model: 'm', version: 'v1', timestamp: T0 + w * W + i * 1000 + 5000, label: r() < score ? '1' : '0' });
      }
    }
  }
  await insertPredictions(predictions);
  await insertFeedback(feedback);
  for (const p of PROJECTS) await saveReference(p, `ref-${p}`, p === POISONED);
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('one failing unit never stops the others', () => {
  it('drift: a corrupt reference fails its unit only; the unit catches up once the reference is fixed', async () => {
    clock = Date.now();
    const job = new DriftJob(store, { ...timing });
    const first = await job.runOnce();
    expect(first.units.map((u) => [u.unit.project, u.status, u.windows])).toEqual([['p1', 'ok', 3], ['p2', 'failed', 0], ['p3', 'ok', 3]]);
    expect(first.units[1]!.error).toMatch(/^reference ref-p2: its stored profile cannot be read .*; upload the reference again$/);
    expect(first.windowsClosed).toBe(6);
    expect(await windowsOf('drift_results', 'p1')).toEqual([0, 1, 2]);
    expect(await windowsOf('drift_results', 'p2')).toEqual([]);
    expect(job.units.status()[0]).toMatchObject({ unit: { project: 'p2' }, consecutiveFailures: 1, lastError: first.units[1]!.error });

    // Backing off: the next run leaves it alone; the healthy ones have nothing new.
    expect((await job.runOnce()).units.map((u) => u.status)).toEqual(['ok', 'backoff', 'ok']);

    await saveReference(POISONED, 'ref-p2-fixed');
    clock += 60_000;
    const healed = await job.runOnce();
    expect(healed.units.map((u) => [u.unit.project, u.status, u.windows])).toEqual([['p1', 'ok', 0], ['p2', 'ok', 3], ['p3', 'ok', 0]]);
    expect(await windowsOf('drift_results', 'p2')).toEqual([0, 1, 2]);
    expect(job.units.status().every((s) => s.consecutiveFailures === 0 && s.checkpoint === new Date(T0 + 3 * W).toISOString())).toBe(true);
  });

  it('quality and SLA: a project whose queries fail is reported and retried; the others get every window', async () => {
    clock = Date.now();
    const faulty = faultyStore();
    const quality = new QualityJob(faulty, { ...timing, models: [] });
    const sla = new SlaJob(faulty, {
      ...timing,
      slos: [{ name: 'latency', model: 'm', latency: { percentile: 99, thresholdMs: 50 }, burnRates: [...DEFAULT_BURN_RATES] }],
    });
    failProject = POISONED;
    try {
      for (const [job, table] of [[quality, 'quality_results'], [sla, 'sla_results']] as const) {
        const report = await job.runOnce();
        expect(report.units.map((u) => [u.unit.project, u.status, u.windows])).toEqual([['p1', 'ok', 3], ['p2', 'failed', 0], ['p3', 'ok', 3]]);
        expect(report.units[1]!.error).toBe('injected failure for project p2');
        for (const p of ['p1', 'p3']) expect(await windowsOf(table, p)).toEqual([0, 1, 2]);
        expect(await windowsOf(table, POISONED)).toEqual([]);
      }
      expect(sla.units.status()[0]!.unit).toEqual({ project: 'p2', model: 'm', version: 'v1', slo: 'latency' });
    } finally {
      failProject = undefined;
    }
    clock += 60_000;
    for (const [job, table] of [[quality, 'quality_results'], [sla, 'sla_results']] as const) {
      expect((await job.runOnce()).units.map((u) => [u.unit.project, u.status, u.windows])).toEqual([['p1', 'ok', 0], ['p2', 'ok', 3], ['p3', 'ok', 0]]);
      expect(await windowsOf(table, POISONED)).toEqual([0, 1, 2]);
    }
  });

  it('a burst then silence: the last window closes once the wall clock passes its end + lateness + idle timeout', async () => {
    // Two windows of a burst two hours ago; nothing since. The watermark (newest event − lateness)
    // closes window 0 only; the wall clock closes window 1 at exactly end + 1 s + 1 s.
    const B = Math.floor((Date.now() - 2 * 3_600_000) / W) * W;
    await insertPredictions(
      Array.from({ length: 40 }, (_, i) => ({ predictionId: `burst-${i}`, project: 'burst', model: 'm', version: 'v1', timestamp: B + i * 3000, latencyMs: 5, features: { x: i }, outputs: { label: '1', score: 0.5 } })),
    );
    await saveReference('burst', 'ref-burst', false, B + W);
    const lastEnd = B + 2 * W;
    const slo = { name: 'latency', model: 'm', latency: { percentile: 99, thresholdMs: 50 }, burnRates: [] };
    for (const [make, table] of [
      [(): { runOnce(): Promise<unknown> } => new DriftJob(store, { ...timing }), 'drift_results'],
      [() => new SlaJob(store, { ...timing, slos: [slo] }), 'sla_results'],
      [() => new QualityJob(store, { ...timing, models: [] }), 'quality_results'],
    ] as const) {
      const job = make();
      clock = lastEnd + 2000 - 1;
      await job.runOnce();
      expect(await windowsOf(table, 'burst'), `${table} before the idle timeout`).toEqual([(B - T0) / W]);
      clock = lastEnd + 2000;
      await job.runOnce();
      expect(await windowsOf(table, 'burst'), `${table} at the idle timeout`).toEqual([(B - T0) / W, (B - T0) / W + 1]);
    }
  });

  it('stop() ends a long run after its current window; the next job resumes at the checkpoint, nothing skipped or repeated', async () => {
    clock = Date.now();
    const L = Math.floor((Date.now() - 5 * DAY) / W) * W;
    await insertPredictions(Array.from({ length: 60 }, (_, i) => ({ predictionId: `long-${i}`, project: 'long', model: 'm', version: 'v1', timestamp: L + i * W + 1000, latencyMs: 1 })));
    const seen: number[] = [];
    const first: QualityJob = new QualityJob(store, {
      ...timing,
      models: [],
      onWindow: (r) => {
        seen.push(r.windowStartMs);
        if (seen.length === 3) void first.stop();
      },
    });
    const report = await first.runOnce();
    expect(report.units.find((u) => u.unit.project === 'long')!.windows).toBe(3);
    // Units after the stopped one are not started.
    expect(report.units.map((u) => u.unit.project)).not.toContain('p1');
    expect((await first.runOnce()).windowsClosed).toBe(0);

    const next = new QualityJob(store, { ...timing, models: [], onWindow: (r) => seen.push(r.windowStartMs) });
    await next.runOnce();
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => L + i * W));
  });

  it('a prediction at the epoch and a project without feedback no longer fail a run', async () => {
    clock = Date.now();
    await insertPredictions([
      { predictionId: 'b', model: 'bad', version: 'v1', project: 'aaa', timestamp: 0, features: { x: 1 } },
      { predictionId: 'nf-1', model: 'm', version: 'v1', project: 'nofeedback', timestamp: T0 + 10, features: { x: 1 }, outputs: { label: '1', score: 0.9 } },
    ]);
    await store.insert(REFERENCE_PROFILES, [
      reference('aaa', 'bad', 'ref-bad', 1, JSON.stringify(await profileRange(store, { project: 'aaa' }, {}))),
    ]);
    const quality = new QualityJob(store, { ...timing, models: [{ model: 'm', ...DEFAULT_QUALITY_OUTPUTS }] });
    const q = await quality.runOnce();
    expect(q.units.filter((u) => u.status !== 'ok')).toEqual([]);
    expect(q.units.find((u) => u.unit.project === 'aaa')).toMatchObject({ windows: 1 });
    expect(await windowsOf('quality_results', 'nofeedback')).toEqual([0]);
    const [epoch] = await store.query<{ s: string }>("SELECT toString(toUnixTimestamp64Milli(WindowStart)) AS s FROM quality_results FINAL WHERE Project = 'aaa'");
    expect(epoch).toEqual({ s: '0' });

    const drift = await new DriftJob(store, { ...timing }).runOnce();
    expect(drift.units.filter((u) => u.status !== 'ok')).toEqual([]);
    expect(drift.units.find((u) => u.unit.project === 'aaa')).toMatchObject({ windows: 1 });
  });
});
