import { describe, expect, it } from 'vitest';
import { compareProfiles } from './compare-profiles.js';
import type { FeatureProfile } from './feature-profile.js';
import { addBucket, bucketOf, emptyBucketHistogram } from './log-buckets.js';

/** A profile built the way ClickHouse builds it, from raw values (distinct values kept when there are at most 5). */
function profile(rows: Array<{ x?: number; color?: string; score?: number; rating?: number }>): FeatureProfile {
  const p: FeatureProfile = { rows: rows.length, numeric: { feature: {}, output: {} }, categorical: { feature: {}, output: {} } };
  const distinct = new Map<string, Set<number>>();
  for (const r of rows) {
    for (const k of ['x', 'rating'] as const) {
      const v = r[k];
      if (v === undefined) continue;
      addBucket((p.numeric.feature[k] ??= emptyBucketHistogram()), bucketOf(v), 1, v, v, v, v * v);
      if (!distinct.has(k)) distinct.set(k, new Set());
      distinct.get(k)!.add(v);
    }
    if (r.score !== undefined) addBucket((p.numeric.output.score ??= emptyBucketHistogram()), bucketOf(r.score), 1, r.score, r.score, r.score, r.score * r.score);
    if (r.color !== undefined) {
      const c = (p.categorical.feature.color ??= { counts: {}, total: 0 });
      c.counts[r.color] = (c.counts[r.color] ?? 0) + 1;
      c.total++;
    }
  }
  for (const [k, values] of distinct) if (values.size <= 5) p.numeric.feature[k]!.values = [...values].sort((a, b) => a - b);
  return p;
}

const lcg = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

describe('compareProfiles', () => {
  const u = lcg(42);
  const reference = profile(Array.from({ length: 500 }, (_, i) => ({ x: u() * 10, color: i % 3 === 0 ? 'red' : 'blue', score: u() })));

  it('finds no drift between two samples of the same distribution', () => {
    const v = lcg(7);
    const current = profile(Array.from({ length: 500 }, (_, i) => ({ x: v() * 10, color: i % 3 === 0 ? 'red' : 'blue', score: v() })));
    const out = compareProfiles(reference, current);
    expect(out.map((c) => `${c.source}:${c.feature}`).sort()).toEqual(['dataset:*', 'feature:color', 'feature:x', 'output:score']);
    expect(out.filter((c) => c.drifted)).toEqual([]);
    expect(out.find((c) => c.feature === 'x')!.method).toBe('ks');
    // Two colours, 500 reference rows: Evidently's z-test for a binary column.
    expect(out.find((c) => c.feature === 'color')!.method).toBe('two-proportion-z');
  });

  it('flags a shifted numeric feature and a changed category mix, and reports the share', () => {
    const v = lcg(9);
    const current = profile(Array.from({ length: 500 }, () => ({ x: 5 + v() * 10, color: 'red', score: v() })));
    const out = compareProfiles(reference, current);
    expect(out.filter((c) => c.drifted && c.source === 'feature').map((c) => c.feature).sort()).toEqual(['color', 'x']);
    const dataset = out.find((c) => c.source === 'dataset')!;
    expect(dataset.statistic).toBe(1);
    expect(dataset.drifted).toBe(true);
    expect(dataset.metrics).toEqual({ driftedFeatures: ['x', 'color'], comparedFeatures: 2 });
  });

  it('reports a column missing from the window as empty, not drifted', () => {
    const current = profile([{ score: 0.5 }]);
    const out = compareProfiles(reference, current);
    const x = out.find((c) => c.feature === 'x')!;
    expect(x.status).toBe('empty-current');
    expect(x.drifted).toBe(false);
    expect(out.find((c) => c.source === 'dataset')!.status).toBe('empty-current');
  });
});

describe('compareProfiles with per-model and per-column settings', () => {
  const u = lcg(3);
  const reference = profile(Array.from({ length: 500 }, (_, i) => ({ x: u() * 10, color: i % 3 === 0 ? 'red' : 'blue', score: u() })));
  const v = lcg(11);
  const current = profile(Array.from({ length: 500 }, (_, i) => ({ x: 0.6 + v() * 10, color: i % 3 === 0 ? 'red' : 'blue', score: v() })));

  it('uses the model-wide method for a kind and the column method and threshold over it', () => {
    const byDefault = compareProfiles(reference, current);
    expect(byDefault.find((c) => c.feature === 'x')!.method).toBe('ks');
    const out = compareProfiles(reference, current, {
      numericMethod: 'psi',
      categoricalMethod: 'hellinger',
      features: { x: { method: 'wasserstein', threshold: 0.01 } },
    });
    const x = out.find((c) => c.feature === 'x')!;
    expect(x).toMatchObject({ method: 'wasserstein', threshold: 0.01, drifted: true });
    expect(out.find((c) => c.feature === 'score')!.method).toBe('psi');
    expect(out.find((c) => c.feature === 'color')!.method).toBe('hellinger');
  });

  it('ignores a column method that does not suit the column kind', () => {
    const out = compareProfiles(reference, current, { features: { color: { method: 'ks' } } });
    expect(out.find((c) => c.feature === 'color')!.method).toBe('two-proportion-z');
  });

  it('compares a numeric column with at most 5 distinct reference values as categories, unless its method is set', () => {
    const w = lcg(5);
    const rating = (shift: number) => () => Math.min(5, 1 + Math.floor(w() * 5 + shift));
    const before = rating(0);
    const after = rating(1);
    const ref = profile(Array.from({ length: 600 }, () => ({ rating: before(), x: w() })));
    const same = profile(Array.from({ length: 400 }, () => ({ rating: before(), x: w() })));
    const moved = profile(Array.from({ length: 400 }, () => ({ rating: after(), x: w() })));
    const quiet = compareProfiles(ref, same).find((c) => c.feature === 'rating')!;
    expect(quiet).toMatchObject({ kind: 'categorical', method: 'chi-square', drifted: false, metrics: { lowCardinality: { referenceValues: 5 } } });
    const loud = compareProfiles(ref, moved).find((c) => c.feature === 'rating')!;
    expect(loud).toMatchObject({ kind: 'categorical', method: 'chi-square', drifted: true });
    expect(compareProfiles(ref, moved).find((c) => c.feature === 'x')!).toMatchObject({ kind: 'numerical', method: 'ks' });
    expect(compareProfiles(ref, moved, { features: { rating: { method: 'psi' } } }).find((c) => c.feature === 'rating')!).toMatchObject({ kind: 'numerical', method: 'psi' });
    // A window value the reference never had is an unseen category: named by the value while the
    // window has at most 5 distinct values, by its bucket's upper edge (9 lies in (8.83, 9.008]) beyond.
    const odd = (n: number) => profile([...Array.from({ length: 400 - n }, () => ({ rating: 1 + (w() < 0.5 ? 1 : 0) })), ...Array.from({ length: n }, () => ({ rating: 9 }))]);
    expect(compareProfiles(ref, odd(10)).find((c) => c.feature === 'rating')!.metrics).toMatchObject({ unseen: { categories: ['9'] } });
    const wide = profile([...Array.from({ length: 390 }, () => ({ rating: before() })), ...Array.from({ length: 10 }, () => ({ rating: 9 }))]);
    expect(compareProfiles(ref, wide).find((c) => c.feature === 'rating')!.metrics).toMatchObject({ unseen: { categories: ['~9.008'] } });
  });

  it('applies per-method thresholds and the data-set share', () => {
    const strict = compareProfiles(reference, current, { features: { x: { method: 'wasserstein' } }, thresholds: { wasserstein: 1e-6 }, driftShare: 0.5 });
    expect(strict.find((c) => c.feature === 'x')!).toMatchObject({ threshold: 1e-6, drifted: true });
    expect(strict.find((c) => c.source === 'dataset')!).toMatchObject({ statistic: 0.5, drifted: true });
  });
});
