import { describe, expect, it } from 'vitest';
import { addBucket, bucketOf, bucketUpper, BUCKET_GAMMA, emptyBucketHistogram, toSharedSummaries, ZERO_LIMIT } from './log-buckets.js';

describe('log buckets', () => {
  it('puts every value at or below its bucket upper edge and above the previous bucket edge', () => {
    const values = [1e-12, -1e-12, 1e-9, 2e-9, 0.001, 0.5, 1, 1.01, 1.02, 1.03, 3.14159, 42, 1e6, 123456.789, -0.5, -1, -42, -1e6];
    for (const v of values) {
      const b = bucketOf(v);
      expect(v, `value ${v} bucket ${b}`).toBeLessThanOrEqual(bucketUpper(b) * (1 + 1e-12));
      if (b > 0) expect(v).toBeGreaterThan(bucketUpper(b) / BUCKET_GAMMA / (1 + 1e-12));
      if (b < 0) expect(v).toBeGreaterThanOrEqual(bucketUpper(b) * BUCKET_GAMMA * (1 + 1e-12));
    }
  });

  it('orders bucket ids like the values they hold', () => {
    const values = [-1e9, -1000, -1, -0.01, -1e-10, 0, 1e-10, 0.01, 1, 1000, 1e9];
    const ids = values.map(bucketOf);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const uppers = [...new Set(ids)].map(bucketUpper);
    expect([...uppers].sort((a, b) => a - b)).toEqual(uppers);
  });

  it('keeps the relative width at 2%', () => {
    for (const b of [bucketOf(0.37), bucketOf(5), bucketOf(8e7)]) {
      const lower = bucketUpper(b - 1);
      expect(bucketUpper(b) / lower).toBeCloseTo(BUCKET_GAMMA, 12);
    }
    expect(bucketOf(ZERO_LIMIT / 2)).toBe(0);
    expect(bucketOf(-ZERO_LIMIT / 2)).toBe(0);
  });

  it('builds two summaries over the same edges, with the counts and moments of each side', () => {
    const ref = emptyBucketHistogram();
    const cur = emptyBucketHistogram();
    addBucket(ref, bucketOf(1), 3, 1, 1, 3, 3);
    addBucket(ref, bucketOf(10), 1, 10, 10, 10, 100);
    addBucket(cur, bucketOf(5), 2, 5, 5, 10, 50);
    addBucket(cur, bucketOf(10), 2, 9.9, 10, 19.9, 198.01);
    const [r, c] = toSharedSummaries(ref, cur, { reference: 1, current: 0 });
    expect(r.edges).toEqual(c.edges);
    expect(r.edges).toHaveLength(2);
    expect(r.counts).toEqual([3, 0, 1]);
    expect(c.counts).toEqual([0, 2, 2]);
    expect(r).toMatchObject({ total: 4, missing: 1, min: 1, max: 10, sum: 13, sumSq: 103 });
    expect(c).toMatchObject({ total: 4, missing: 0, min: 5, max: 10, sum: 29.9 });
  });
});
