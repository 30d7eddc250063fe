import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconstructionDrift } from '@inferlens/stats';
import { ClickHouseStore } from '../store/ClickHouseStore.js';
import { PREDICTIONS, type PredictionRow } from '../store/schema/predictions.js';
import { REFERENCE_DATA } from '../store/schema/reference-data.js';
import { profileReferenceData } from './feature-profile.js';
import { fitReferenceReconstruction, multivariateWindow } from './multivariate-drift.js';

// The engine's half of multivariate drift (standardised vectors, Gram matrix, chunk and window
// errors in SQL, real chDB) against `reconstructionDrift` of @inferlens/stats on the same rows,
// which is itself checked against NannyML's pipeline in numpy (multivariate.json).

type Row = Record<string, number | string | null>;
interface Case { name: string; numeric: string[]; categorical: string[]; reference: Row[]; currents: Array<{ name: string; rows: Row[] }> }
const fixture = JSON.parse(readFileSync(new URL('../../../packages/stats/src/fixtures/multivariate.json', import.meta.url), 'utf8')) as { cases: Case[] };

let dataDir: string;
let store: ClickHouseStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-multivariate-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const split = (row: Row) => ({
  NumericFeatures: Object.fromEntries(Object.entries(row).filter(([, v]) => typeof v === 'number')) as Record<string, number>,
  CategoricalFeatures: Object.fromEntries(Object.entries(row).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
});

const T0 = Date.now() - 3_600_000;

function prediction(row: Row, i: number, version: string): PredictionRow {
  const ms = T0 + i;
  return {
    Timestamp: `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000000`, PredictionId: `${version}-${i}`, TraceId: '', SpanId: '', Project: 'mv', ServiceName: '',
    ModelName: 'm', ModelVersion: version, Environment: '', Segment: '', LatencyMs: 1, Status: 'ok', ErrorType: '', ...split(row),
    NumericOutputs: {}, CategoricalOutputs: {}, InputTokens: 0, OutputTokens: 0, SampleRate: 1, Attributes: {}, Embedding: [], IngestKey: '',
  } as PredictionRow;
}

describe('multivariate drift in the engine equals @inferlens/stats on the same rows', () => {
  it.each(fixture.cases)('$name: uploaded reference and a pinned one, windows', async (c) => {
    const referenceId = `ref-${c.name}`;
    await store.insert(REFERENCE_DATA, c.reference.map((row, i) => ({ Project: 'mv', ReferenceId: referenceId, RowIndex: i, ...split(row), NumericOutputs: {}, CategoricalOutputs: {}, Label: '', Embedding: [] })));
    const profile = await profileReferenceData(store, 'mv', referenceId);
    const features = [...c.numeric, ...c.categorical];
    const fitted = (await fitReferenceReconstruction(store, { kind: 'dataset', project: 'mv', referenceId }, profile, { features }))!;
    // The same reference as pinned production traffic of version `base-<case>`, in event-time order.
    const base = `base-${c.name}`;
    await store.insert(PREDICTIONS, c.reference.map((row, i) => prediction(row, i, base)));
    const pinned = (await fitReferenceReconstruction(store, { kind: 'pinned', project: 'mv', model: 'm', version: base, fromMs: T0, toMs: T0 + c.reference.length }, profile, { features }))!;
    for (const [k, cur] of c.currents.entries()) {
      const expected = reconstructionDrift(c.reference, cur.rows, { features, categorical: new Set(c.categorical) });
      for (const f of [fitted, pinned]) {
        expect(f.model.components.length).toBe(expected.components);
        f.bounds.chunks.forEach((x, i) => expect(Math.abs(x - expected.bounds.chunks[i]!)).toBeLessThan(1e-9 * expected.bounds.chunks[i]!));
        expect(f.bounds.upper).toBeCloseTo(expected.upper, 9);
      }
      const version = `cur-${c.name}-${k}`;
      await store.insert(PREDICTIONS, cur.rows.map((row, i) => prediction(row, i, version)));
      const row = await multivariateWindow(store, fitted, { project: 'mv', model: 'm', version }, { fromMs: T0, toMs: T0 + cur.rows.length });
      expect(row).toMatchObject({ source: 'multivariate', feature: '*', kind: 'multivariate', method: 'pca-reconstruction', status: 'ok', drifted: expected.drifted, currentRows: cur.rows.length });
      expect(Math.abs(row.statistic - expected.statistic)).toBeLessThan(1e-9 * expected.statistic);
      expect((row.metrics as { samplingError: number }).samplingError).toBeCloseTo(expected.samplingError, 9);
    }
  });

  it('off, or fewer than two input features: no model', async () => {
    const c = fixture.cases[0]!;
    const profile = await profileReferenceData(store, 'mv', `ref-${c.name}`);
    const rows = { kind: 'dataset' as const, project: 'mv', referenceId: `ref-${c.name}` };
    expect(await fitReferenceReconstruction(store, rows, profile, { enabled: false })).toBeUndefined();
    expect(await fitReferenceReconstruction(store, rows, profile, { features: ['x1', 'nope'] })).toBeUndefined();
  });
});
