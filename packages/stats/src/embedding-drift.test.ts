import { describe, expect, it } from 'vitest';
import { centroidDistances, mmdTest } from './embedding-drift.js';
import { isClose, loadFixture, normalSampler } from './internal/test-helpers.js';

interface Case {
  reference: number[][];
  current: number[][];
  centroids: { reference: number[]; current: number[] };
  euclidean: number;
  cosine: number;
  sigma: number;
  mmd2: number;
  orders: number[][];
  pValue: number;
}
const cases = loadFixture<{ cases: Record<string, Case> }>('embedding.json').cases;

describe('embedding drift vs numpy/scipy (make-embedding-fixtures.py)', () => {
  it.each(Object.entries(cases).map(([name, c]) => ({ name, c })))('$name: centroid distances, median-heuristic σ, unbiased MMD², permutation p-value', ({ c }) => {
    const d = centroidDistances(c.centroids.reference, c.centroids.current);
    expect(isClose(d.euclidean, c.euclidean, 1e-12)).toBe(true);
    expect(isClose(d.cosine, c.cosine, 1e-9)).toBe(true);
    const r = mmdTest(c.reference, c.current, { orders: c.orders });
    expect(isClose(r.sigma, c.sigma, 1e-12), `σ ${r.sigma} vs ${c.sigma}`).toBe(true);
    expect(isClose(r.mmd2, c.mmd2, 1e-9, 1e-12), `MMD² ${r.mmd2} vs ${c.mmd2}`).toBe(true);
    expect(r.pValue).toBe(c.pValue);
    expect([r.referenceRows, r.currentRows, r.permutations]).toEqual([c.reference.length, c.current.length, 50]);
  });

  it('drawn permutations: the same seed gives the same p-value; no drift → a large p, a shift → a small one', () => {
    const c = cases.same!;
    const a = mmdTest(c.reference, c.current, { seed: 3 });
    expect(mmdTest(c.reference, c.current, { seed: 3 })).toEqual(a);
    expect(a.pValue).toBeGreaterThan(0.1);
    expect(mmdTest(cases.shifted!.reference, cases.shifted!.current, { seed: 3 }).pValue).toBeLessThan(0.05);
  });

  it('false alarms near the level: 100 pairs of samples from one distribution, p < 0.05 in about 5%', () => {
    const normal = normalSampler(11);
    const sample = (n: number) => Array.from({ length: n }, () => Array.from({ length: 8 }, () => normal(0, 1)));
    let alarms = 0;
    for (let i = 0; i < 100; i++) if (mmdTest(sample(30), sample(30), { seed: i, permutations: 100 }).pValue < 0.05) alarms++;
    expect(alarms).toBeLessThanOrEqual(12);
  });

  it('refuses mismatched dimensions and samples of fewer than two vectors', () => {
    expect(() => centroidDistances([1, 2], [1])).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
    expect(() => mmdTest([[1]], [[1], [2]])).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
    expect(() => mmdTest([[1], [2]], [[1, 2], [2, 3]])).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
    expect(centroidDistances([0, 0], [1, 0]).cosine).toBeNaN();
  });
});
