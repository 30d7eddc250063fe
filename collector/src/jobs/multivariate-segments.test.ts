import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseStore } from '../store/ClickHouseStore.js';
import { PREDICTIONS, type PredictionRow } from '../store/schema/predictions.js';
import { REFERENCE_PROFILES } from '../store/schema/reference-profiles.js';
import { REFERENCE_DATA } from '../store/schema/reference-data.js';
import { DriftJob, type ClosedWindow } from './DriftJob.js';
import { profileReferenceData, profileWindow } from './feature-profile.js';
import type { ColumnDrift } from './compare-profiles.js';
import { OVERALL_SEGMENT } from './segments.js';

// Multivariate drift per segment through the drift job on the real engine, against numpy
// (multivariate-segments.json, made by packages/stats/scripts/make-multivariate-segment-fixtures.py).
// A pinned reference of three segments: `a` (x1 and x2 correlated +0.9), `b` (a population of its
// own, with a higher normal reconstruction error) and `c` (5 rows, fewer than the 10 chunks). The
// window: `a` with the correlation flipped (marginals kept), `b` and `c` unchanged, and 30 rows
// without a segment value (the whole window's only). The PCA is the
// whole reference's; each segment's bounds come from the reference's rows of that segment.

type Row = Record<string, number | string>;
interface Expected { lower: number; upper: number; chunks: number[]; rows: number; mean: number; std: number; drifted: boolean; referenceRows?: number }
const fixture = JSON.parse(readFileSync(new URL('../../../packages/stats/src/fixtures/multivariate-segments.json', import.meta.url), 'utf8')) as {
  features: string[]; components: number; reference: Row[]; current: Row[]; overall: Expected; segments: Record<string, Expected | null>;
};

const W = 60_000;
const DAY = 86_400_000;
/** The window under test, a day before now (the wall clock closes it). */
const TW = Math.floor((Date.now() - DAY) / W) * W;
/** The reference: earlier traffic of version `base`, one row per millisecond in list order. */
const TR = TW - 10 * W;

let dataDir: string;
let store: ClickHouseStore;

function prediction(row: Row, ms: number, version: string, i: number): PredictionRow {
  const { segment, ...features } = row;
  return {
    Timestamp: `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000000`, PredictionId: `${version}-${String(i).padStart(5, '0')}`, TraceId: '', SpanId: '',
    Project: 'mvs', ServiceName: '', ModelName: 'm', ModelVersion: version, Environment: '', Segment: String(segment), LatencyMs: 1, Status: 'ok', ErrorType: '',
    NumericFeatures: features as Record<string, number>, CategoricalFeatures: {}, NumericOutputs: {}, CategoricalOutputs: {}, InputTokens: 0, OutputTokens: 0,
    SampleRate: 1, Attributes: {}, Embedding: [], IngestKey: '',
  } as PredictionRow;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-multivariate-segments-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  await store.migrate();
  await store.insert(PREDICTIONS, fixture.reference.map((r, i) => prediction(r, TR + i, 'base', i)));
  // 50 ms apart: the window's 1,050 rows fit in its minute.
  await store.insert(PREDICTIONS, fixture.current.map((r, i) => prediction(r, TW + 50 * i, 'v1', i)));
  const range = { fromMs: TR, toMs: TR + fixture.reference.length };
  const profile = await profileWindow(store, { project: 'mvs', model: 'm', version: 'base' }, range);
  await store.insert(REFERENCE_PROFILES, [{
    Project: 'mvs', ModelName: 'm', ModelVersion: 'v1', ReferenceId: 'pinned-base', Kind: 'pinned', SourceVersion: 'base', SourceFrom: range.fromMs, SourceTo: range.toMs,
    Rows: profile.rows, Profile: JSON.stringify(profile), Deleted: false,
  }]);
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Relative closeness (the engine sums in another order than numpy). */
const close = (got: number, want: number) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(want)));

function check(row: ColumnDrift, want: Expected, referenceRows: number) {
  const metrics = row.metrics as { lower: number; samplingError: number; referenceChunks: number[]; components: number };
  expect(row.drifted).toBe(want.drifted);
  expect(row.currentRows).toBe(want.rows);
  expect(row.referenceRows).toBe(referenceRows);
  close(row.statistic, want.mean);
  close(row.threshold!, want.upper);
  close(metrics.lower, want.lower);
  close(metrics.samplingError, want.std / Math.sqrt(want.rows));
  metrics.referenceChunks.forEach((x, i) => close(x, want.chunks[i]!));
  expect(metrics.components).toBe(fixture.components);
}

describe('multivariate drift per segment', () => {
  it('flags the segment whose correlation broke, not the one with its own normal level, with bounds from its own reference rows', async () => {
    const windows: ClosedWindow[] = [];
    const job = new DriftJob(store, { windowMs: W, allowedLatenessMs: 0, idleTimeoutMs: 0, segments: { maxValues: 5, models: [] }, onWindow: (w) => windows.push(w) });
    const report = await job.runOnce();
    expect(report.units.map((u) => u.status)).toEqual(['ok']);
    const w = windows.find((x) => x.windowStartMs === TW)!;
    expect(w, 'the window under test closed').toBeDefined();

    // The whole window: as before (the whole reference's chunks).
    const overall = w.results.find((r) => r.source === 'multivariate')!;
    expect(overall.status).toBe('ok');
    check(overall, fixture.overall, fixture.reference.length);

    const mv = (segment: string) => w.segments.find((s) => s.segment === segment)?.results.find((r) => r.source === 'multivariate');
    const a = fixture.segments.a!;
    const b = fixture.segments.b!;
    expect(a.drifted).toBe(true);
    expect(b.drifted).toBe(false);
    check(mv('a')!, a, a.referenceRows!);
    check(mv('b')!, b, b.referenceRows!);
    // Against the whole reference's bounds, b's own normal level would have been an alarm.
    expect(b.mean).toBeGreaterThan(fixture.overall.upper);
    // c: 5 reference rows, fewer than the 10 chunks: its univariate results, no multivariate one.
    const c = w.segments.find((s) => s.segment === 'c')!;
    expect(c.rows).toBe(20);
    expect(c.results.some((r) => r.source === 'feature')).toBe(true);
    expect(mv('c')).toBeUndefined();

    // The rows written carry the segment, as the univariate ones do.
    const written = await store.query<{ Segment: string; Drifted: number | boolean }>(
      `SELECT Segment, Drifted FROM drift_results FINAL WHERE Project = 'mvs' AND ModelVersion = 'v1' AND Source = 'multivariate' AND WindowStart = fromUnixTimestamp64Milli({w:Int64}) ORDER BY Segment`,
      { w: TW },
    );
    expect(written.map((r) => [r.Segment, Boolean(Number(r.Drifted))])).toEqual([[OVERALL_SEGMENT, fixture.overall.drifted], ['a', true], ['b', false]]);
  });

  it('writes no multivariate row for a segment when the reference has no segments (an uploaded data set): the bounds of the whole reference would not fit it', async () => {
    // The same reference rows uploaded as a data set (no Segment column), for version v2 whose window is v1's rows.
    const strip = (r: Row) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'segment')) as Record<string, number>;
    await store.insert(REFERENCE_DATA, fixture.reference.map((r, i) => ({ Project: 'mvs', ReferenceId: 'uploaded', RowIndex: i, NumericFeatures: strip(r), CategoricalFeatures: {}, NumericOutputs: {}, CategoricalOutputs: {}, Label: '', Embedding: [] })));
    const profile = await profileReferenceData(store, 'mvs', 'uploaded');
    await store.insert(REFERENCE_PROFILES, [{ Project: 'mvs', ModelName: 'm', ModelVersion: 'v2', ReferenceId: 'uploaded', Kind: 'dataset', SourceVersion: '', SourceFrom: null, SourceTo: null, Rows: profile.rows, Profile: JSON.stringify(profile), Deleted: false }]);
    await store.insert(PREDICTIONS, fixture.current.map((r, i) => prediction(r, TW + 50 * i, 'v2', i)));
    const windows: ClosedWindow[] = [];
    await new DriftJob(store, { windowMs: W, allowedLatenessMs: 0, idleTimeoutMs: 0, segments: { maxValues: 5, models: [] }, onWindow: (w) => windows.push(w) }).runOnce();
    const w = windows.find((x) => x.version === 'v2' && x.windowStartMs === TW)!;
    expect(w, 'the window under test closed').toBeDefined();
    // The whole window: the same model and bounds as from the pinned copy of these rows (numpy's).
    check(w.results.find((r) => r.source === 'multivariate')!, fixture.overall, fixture.reference.length);
    expect(w.segments.map((s) => s.segment).sort()).toEqual(['a', 'b', 'c']);
    for (const s of w.segments) {
      expect(s.results.some((r) => r.source === 'feature'), s.segment).toBe(true);
      expect(s.results.some((r) => r.source === 'multivariate'), s.segment).toBe(false);
    }
  });
});
