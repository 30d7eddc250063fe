import { describe, expect, it } from 'vitest';
import { equalWidthEdges } from './binning.js';
import { summarizeNumeric } from './numeric-summary.js';
import { wassersteinDistance, wassersteinFromSummaries } from './wasserstein.js';
import { isClose, loadFixture } from './internal/test-helpers.js';

interface Case {
  name: string;
  reference: number[];
  current: number[];
  wasserstein: number;
  wassersteinNormalized: number;
}
const { cases } = loadFixture<{ cases: Case[] }>('numeric-drift.json');

describe('wassersteinDistance vs scipy.stats.wasserstein_distance', () => {
  it.each(cases)('$name', (c) => {
    const r = wassersteinDistance(c.reference, c.current);
    expect(isClose(r.distance, c.wasserstein, 1e-9)).toBe(true);
    expect(isClose(r.normalized, c.wassersteinNormalized, 1e-9)).toBe(true);
    expect(r.errorBound).toBe(0);
  });

  it('handles constant and empty inputs', () => {
    expect(wassersteinDistance([3, 3, 3], [3, 3]).normalized).toBe(0);
    expect(wassersteinDistance([3, 3, 3], [4]).normalized).toBe(Number.POSITIVE_INFINITY);
    expect(wassersteinDistance([3, 3, 3], [4]).distance).toBe(1);
    expect(Number.isNaN(wassersteinDistance([], [1]).distance)).toBe(true);
  });
});

describe('wassersteinFromSummaries (histogram approximation)', () => {
  it.each(cases.filter((c) => c.reference.length >= 500))('$name: within the stated bound', (c) => {
    const min = Math.min(...c.reference);
    const max = Math.max(...c.reference);
    const edges = equalWidthEdges(min, max, 200);
    const r = wassersteinFromSummaries(summarizeNumeric(c.reference, edges), summarizeNumeric(c.current, edges));
    expect(r.approximate).toBe(true);
    expect(Math.abs(r.distance - c.wasserstein)).toBeLessThanOrEqual(r.errorBound);
    if (c.name.startsWith('normal')) {
      // Current inside the reference range: 200 bins put the error under 0.5% of the range.
      expect(Math.abs(r.distance - c.wasserstein)).toBeLessThan(0.005 * (max - min));
      expect(isClose(r.normalized, c.wassersteinNormalized, 0.02)).toBe(true);
    }
  });

  it('says when values beyond the edges make it coarse', () => {
    // Current mass beyond the last edge is spread over one open bin: the bound grows with it.
    const edges = equalWidthEdges(0, 1, 100);
    const ref = summarizeNumeric([0.1, 0.2, 0.3, 0.9], edges);
    const inside = wassersteinFromSummaries(ref, summarizeNumeric([0.15, 0.25, 0.5], edges));
    const beyond = wassersteinFromSummaries(ref, summarizeNumeric([0.15, 0.25, 5, 9], edges));
    expect(inside.errorBound).toBeLessThan(0.03);
    expect(beyond.errorBound).toBeGreaterThan(1);
  });

  it('is exact for point masses on edges', () => {
    const edges = [0, 1, 2, 3];
    const a = [0, 0, 1, 3];
    const b = [1, 2, 2, 3];
    const r = wassersteinFromSummaries(summarizeNumeric(a, edges), summarizeNumeric(b, edges));
    // Clipped to each side's [min, max], bins hold point masses only at the ends.
    expect(Math.abs(r.distance - wassersteinDistance(a, b).distance)).toBeLessThanOrEqual(r.errorBound + 1e-12);
  });
});
