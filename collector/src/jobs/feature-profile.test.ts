import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseStore } from '../store/ClickHouseStore.js';
import { profileReferenceData, type FeatureProfile } from './feature-profile.js';
import { addBucket, bucketOf, emptyBucketHistogram, MAX_BUCKET_ID } from './log-buckets.js';
import { REFERENCE_DATA } from '../store/schema/reference-data.js';
import { random } from '../../../test/helpers/random.js';

// The profile computed in the engine (real chDB) must equal the one built value by value in
// JavaScript with `bucketOf`: same bucket ids, counts and moments, NaN and ±Infinity left out.

let dataDir: string;
let store: ClickHouseStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-profile-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Row {
  numeric: Record<string, number>;
  categorical: Record<string, string>;
  outputs: Record<string, number>;
}

function expectedProfile(rows: Row[]): FeatureProfile {
  const p: FeatureProfile = { rows: rows.length, numeric: { feature: {}, output: {} }, categorical: { feature: {}, output: {} } };
  for (const r of rows) {
    for (const [source, map] of [['feature', r.numeric], ['output', r.outputs]] as const) {
      for (const [k, v] of Object.entries(map)) {
        if (Number.isFinite(v)) addBucket((p.numeric[source][k] ??= emptyBucketHistogram()), bucketOf(v), 1, v, v, v, v * v);
      }
    }
    for (const [k, v] of Object.entries(r.categorical)) {
      const c = (p.categorical.feature[k] ??= { counts: {}, total: 0 });
      c.counts[v] = (c.counts[v] ?? 0) + 1;
      c.total++;
    }
  }
  return p;
}

describe('the profile of stored rows (profileReferenceData, as every profile)', () => {
  it('equals the profile built in JavaScript, extremes and non-finite values included', async () => {
    const next = random(7);
    const extremes = [0, 1e-12, -1e-12, 1e-300, 1, -1, 1e300, -1e300, Number.MAX_VALUE, -Number.MIN_VALUE, 123456.789, -0.000123];
    const rows: Row[] = [];
    for (let i = 0; i < 5000; i++) {
      const numeric: Record<string, number> = {
        normal: (next() + next() + next() - 1.5) * 40,
        wide: Math.exp(next() * 60 - 30) * (next() < 0.5 ? -1 : 1),
        extreme: extremes[i % extremes.length]!,
      };
      if (i % 7 === 0) delete numeric.normal; // missing in some rows
      rows.push({ numeric, categorical: { country: ['FR', 'DE', 'US', "l'Aquila"][i % 4]! }, outputs: { score: next() } });
    }
    await store.insert(
      REFERENCE_DATA,
      rows.map((r, i) => ({ Project: 'default', ReferenceId: 'r1', RowIndex: i, NumericFeatures: r.numeric, CategoricalFeatures: r.categorical, NumericOutputs: r.outputs, CategoricalOutputs: {}, Label: '', Embedding: [] })),
    );
    // Values JSON cannot carry, as the engine stores them from other sources.
    await store.command(`INSERT INTO reference_data (Project, ReferenceId, RowIndex, NumericFeatures) VALUES
      ('default', 'r1', 100000, map('normal', nan, 'extreme', inf)), ('default', 'r1', 100001, map('normal', -inf))`);
    rows.push({ numeric: { normal: NaN, extreme: Infinity }, categorical: {}, outputs: {} }, { numeric: { normal: -Infinity }, categorical: {}, outputs: {} });

    const actual = await profileReferenceData(store, 'default', 'r1');
    const expected = expectedProfile(rows);

    expect(actual.rows).toBe(expected.rows);
    expect(actual.categorical).toEqual(expected.categorical);
    for (const source of ['feature', 'output'] as const) {
      expect(Object.keys(actual.numeric[source]).sort()).toEqual(Object.keys(expected.numeric[source]).sort());
      for (const [name, want] of Object.entries(expected.numeric[source])) {
        const got = actual.numeric[source][name]!;
        expect(got.buckets, `${source} ${name}`).toEqual(want.buckets);
        expect(got.total).toBe(want.total);
        expect(got.min).toBe(want.min);
        expect(got.max).toBe(want.max);
        for (const m of ['sum', 'sumSq'] as const) {
          // Overflowing sums (the extremes) must come back as ±Infinity, not as 0.
          if (Number.isFinite(want[m])) expect(Math.abs(got[m] - want[m]) / Math.max(1, Math.abs(want[m])), `${source} ${name} ${m}`).toBeLessThan(1e-9);
          else expect(got[m], `${source} ${name} ${m}`).toBe(want[m]);
        }
      }
    }
    // The extremes reach the outermost buckets, which the engine's dense bucket array must hold.
    const extremeIds = Object.keys(actual.numeric.feature.extreme!.buckets).map(Number);
    expect(Math.max(...extremeIds)).toBe(MAX_BUCKET_ID);
    expect(Math.min(...extremeIds)).toBe(-MAX_BUCKET_ID);
  });

  it('gives an empty profile for a scope without rows', async () => {
    const p = await profileReferenceData(store, 'default', 'none');
    expect(p).toEqual({ rows: 0, numeric: { feature: {}, output: {} }, categorical: { feature: {}, output: {} } });
  });
});
