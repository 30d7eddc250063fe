import { describe, expect, it } from 'vitest';
import { dataQuality, type QualityMeasure } from './data-quality.js';
import type { FeatureProfile } from './feature-profile.js';
import { addBucket, bucketOf, emptyBucketHistogram } from './log-buckets.js';

type Row = Record<string, number | string>;

function profile(rows: Row[]): FeatureProfile {
  const p: FeatureProfile = { rows: rows.length, numeric: { feature: {}, output: {} }, categorical: { feature: {}, output: {} } };
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'number') addBucket((p.numeric.feature[k] ??= emptyBucketHistogram()), bucketOf(v), 1, v, v, v, v * v);
      else {
        const c = (p.categorical.feature[k] ??= { counts: {}, total: 0 });
        c.counts[v] = (c.counts[v] ?? 0) + 1;
        c.total++;
      }
    }
  }
  return p;
}

const get = (out: QualityMeasure[], feature: string, metric: string) => out.find((m) => m.feature === feature && m.metric === metric);

describe('dataQuality', () => {
  const reference = profile(Array.from({ length: 100 }, (_, i) => ({ age: 20 + (i % 40), plan: i % 2 ? 'pro' : 'free', gone: 1 })));

  it('measures missing values, type mismatches, out-of-range values, unseen categories, and columns that came or went', () => {
    const current = profile([
      { age: 30, plan: 'pro', extra: 1 },
      { age: 99, plan: 'enterprise' },
      { age: 'unknown', plan: 'free' },
      { plan: 'pro' },
    ]);
    const out = dataQuality(reference, current);
    expect(get(out, 'age', 'missing_rate')!.value).toBe(1 / 4);
    expect(get(out, 'age', 'type_mismatch_rate')!.value).toBe(1 / 4);
    expect(get(out, 'age', 'out_of_range_rate')).toMatchObject({ value: 1 / 2, count: 2 });
    expect(get(out, 'plan', 'unseen_category_rate')).toMatchObject({ value: 1 / 4, count: 4 });
    expect(get(out, 'plan', 'missing_rate')!.value).toBe(0);
    expect(get(out, 'gone', 'disappeared')!.value).toBe(1);
    expect(get(out, 'gone', 'missing_rate')!.value).toBe(1);
    expect(get(out, 'extra', 'appeared')!.value).toBe(1);
    expect(get(out, 'age', 'appeared')).toBeUndefined();
  });

  it('reports nothing unusual for a window like the reference, and nothing at all for an empty window', () => {
    const out = dataQuality(reference, profile([{ age: 25, plan: 'pro', gone: 1 }, { age: 59, plan: 'free', gone: 1 }]));
    expect(out.filter((m) => m.value !== 0)).toEqual([]);
    expect(dataQuality(reference, profile([]))).toEqual([]);
  });
});
