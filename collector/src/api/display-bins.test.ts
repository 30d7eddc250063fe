import { describe, expect, it } from 'vitest';
import { addBucket, bucketOf, emptyBucketHistogram, type BucketHistogram } from '../jobs/log-buckets.js';
import { bucketMiddle, categoryBars, numericBins } from './display-bins.js';

function histogram(values: number[]): BucketHistogram {
  const h = emptyBucketHistogram();
  for (const v of values) addBucket(h, bucketOf(v), 1, v, v, v, v * v);
  return h;
}

describe('display bins', () => {
  it('puts each log bucket’s middle within 1% of the values it holds, on both signs', () => {
    for (const v of [0.0031, 1, 7.25, 120.5, -3.3, -250]) {
      const m = bucketMiddle(bucketOf(v));
      expect(Math.abs(m - v) / Math.abs(v)).toBeLessThan(0.011);
    }
    expect(bucketMiddle(bucketOf(0))).toBe(0);
  });

  it('re-bins both sides onto shared equal-width bins over their joint range, counts and moments kept', () => {
    const ref = Array.from({ length: 100 }, (_, i) => -5 + i * 0.1); // -5 .. 4.9
    const cur = Array.from({ length: 50 }, (_, i) => 10 + i * 0.2); // 10 .. 19.8
    const d = numericBins(histogram(ref), histogram(cur), 10);
    expect(d.edges).toHaveLength(11);
    expect(d.edges[0]).toBe(-5);
    expect(d.edges[10]).toBeCloseTo(19.8, 12);
    expect(d.reference.counts.reduce((s, x) => s + x, 0)).toBe(100);
    expect(d.current.counts.reduce((s, x) => s + x, 0)).toBe(50);
    // The reference lies in the first 4 bins (−5 .. 4.9 of a 2.48-wide grid), the current in the last 4.
    expect(d.reference.counts.slice(4)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(d.current.counts.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(d.reference.mean).toBeCloseTo(-0.05, 10);
    expect(d.current).toMatchObject({ count: 50, min: 10, max: 19.8 });
    expect(d.current.sd).toBeCloseTo(Math.sqrt(cur.reduce((s, x) => s + (x - 14.9) ** 2, 0) / 50), 9);
  });

  it('handles a constant column and a missing side', () => {
    const d = numericBins(histogram([3, 3, 3]), undefined, 10);
    expect(d.edges).toEqual([3, 4]);
    expect(d.reference.counts).toEqual([3]);
    expect(d.current).toMatchObject({ count: 0, counts: [0], mean: null });
  });

  it('orders categories by combined share and sums the rest', () => {
    const bars = categoryBars({ counts: { sun: 6, rain: 3, fog: 1 }, total: 10 }, { counts: { rain: 8, snow: 2 }, total: 10 }, 2);
    expect(bars.categories).toEqual(['rain', 'sun']);
    expect(bars.reference).toEqual({ count: 10, counts: [3, 6], otherCount: 1 });
    expect(bars.current).toEqual({ count: 10, counts: [8, 0], otherCount: 2 });
  });
});
