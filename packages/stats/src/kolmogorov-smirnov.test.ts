import { describe, expect, it } from 'vitest';
import { equalWidthEdges } from './binning.js';
import { ksFromSummaries, ksPValue, ksTwoSample } from './kolmogorov-smirnov.js';
import { summarizeNumeric } from './numeric-summary.js';
import { isClose, loadFixture } from './internal/test-helpers.js';

interface Case {
  name: string;
  reference: number[];
  current: number[];
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}
const { cases } = loadFixture<{ cases: Case[] }>('ks-two-sample.json');

describe('ksTwoSample vs scipy.stats.ks_2samp(method="auto")', () => {
  it.each(cases)('$name', ({ reference, current, statistic, pValue, method }) => {
    const r = ksTwoSample(reference, current);
    expect(r.method).toBe(method);
    expect(r.approximate).toBe(false);
    expect(isClose(r.statistic, statistic, 1e-12)).toBe(true);
    expect(isClose(r.pValue, pValue, 1e-8, 1e-300), `${r.pValue} vs ${pValue}`).toBe(true);
  });

  it('switches from exact to asymptotic above 10 000 values, as scipy', () => {
    expect(ksPValue(0.1, 10_000, 50).method).toBe('exact');
    expect(ksPValue(0.1, 10_001, 50).method).toBe('asymptotic');
    expect(ksPValue(0.1, 10_001, 50, 'exact').method).toBe('exact');
    expect(ksPValue(0.1, 50, 50, 'asymptotic').method).toBe('asymptotic');
  });

  it('drops missing values and returns NaN for an empty side', () => {
    const r = ksTwoSample([1, 2, Number.NaN, 3], [1, 2, 3, Number.POSITIVE_INFINITY]);
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
    expect(Number.isNaN(ksTwoSample([1, 2], []).pValue)).toBe(true);
  });
});

describe('ksFromSummaries (histogram approximation)', () => {
  it.each(cases.filter((c) => c.reference.length >= 800))('$name: scipy D lies within the bounds', (c) => {
    const sorted = [...c.reference].sort((a, b) => a - b);
    const edges = equalWidthEdges(sorted[Math.floor(sorted.length * 0.001)], sorted[Math.ceil(sorted.length * 0.999) - 1], 200);
    const r = ksFromSummaries(summarizeNumeric(c.reference, edges), summarizeNumeric(c.current, edges));
    expect(r.approximate).toBe(true);
    expect(r.statistic).toBeLessThanOrEqual(c.statistic + 1e-12);
    expect(r.statisticUpperBound).toBeGreaterThanOrEqual(c.statistic - 1e-12);
    // 200 bins over the bulk: each bin holds well under 2% of either sample.
    expect(r.statisticUpperBound - r.statistic).toBeLessThan(0.02);
    expect(Math.abs(r.statistic - c.statistic)).toBeLessThan(0.01);
  });

  it('is exact when every value sits on a bin edge', () => {
    const a = [1, 2, 2, 3, 4, 5, 5, 5];
    const b = [2, 3, 3, 4, 6, 6];
    const edges = [1, 2, 3, 4, 5, 6];
    const r = ksFromSummaries(summarizeNumeric(a, edges), summarizeNumeric(b, edges));
    const exact = ksTwoSample(a, b);
    expect(r.statistic).toBeCloseTo(exact.statistic, 12);
    expect(r.pValue).toBeCloseTo(exact.pValue, 12);
  });

  it('refuses summaries with different edges', () => {
    expect(() => ksFromSummaries(summarizeNumeric([1], [0, 1]), summarizeNumeric([1], [0, 2]))).toThrow(
      expect.objectContaining({ code: 'STATS_EDGES_MISMATCH' }),
    );
  });
});
