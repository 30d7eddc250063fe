import { describe, expect, it } from 'vitest';
import { referenceQuantileEdges } from './binning.js';
import { chiSquareTest } from './chi-square.js';
import { hellingerDistance } from './hellinger.js';
import { jensenShannonDistance } from './jensen-shannon.js';
import { summarizeNumeric } from './numeric-summary.js';
import { populationStabilityIndex } from './population-stability.js';
import { isClose, loadFixture } from './internal/test-helpers.js';

interface NumericCase {
  name: string;
  reference: number[];
  current: number[];
  edges: number[];
  referenceCounts: number[];
  currentCounts: number[];
  psi: number;
  jensenShannon: number;
  hellinger: number;
}
interface CategoricalCase {
  name: string;
  reference: number[];
  current: number[];
  chiSquare: { statistic: number; degreesOfFreedom: number; pValue: number };
  psi: number;
  jensenShannon: number;
  hellinger: number;
}
const numeric = loadFixture<{ cases: NumericCase[] }>('numeric-drift.json').cases;
const categorical = loadFixture<{ cases: CategoricalCase[] }>('categorical-drift.json').cases;

describe('reference-decile binning vs numpy.quantile + searchsorted', () => {
  it.each(numeric)('$name', (c) => {
    const edges = referenceQuantileEdges(c.reference);
    expect(edges.length).toBe(c.edges.length);
    edges.forEach((e, i) => expect(isClose(e, c.edges[i], 1e-12)).toBe(true));
    expect(summarizeNumeric(c.reference, edges).counts).toEqual(c.referenceCounts);
    expect(summarizeNumeric(c.current, edges).counts).toEqual(c.currentCounts);
  });
});

describe('PSI (+1 smoothing), Jensen–Shannon (scipy, base 2), Hellinger on numeric bins', () => {
  it.each(numeric)('$name', (c) => {
    expect(isClose(populationStabilityIndex(c.referenceCounts, c.currentCounts), c.psi, 1e-10)).toBe(true);
    expect(isClose(jensenShannonDistance(c.referenceCounts, c.currentCounts), c.jensenShannon, 1e-10)).toBe(true);
    expect(isClose(hellingerDistance(c.referenceCounts, c.currentCounts), c.hellinger, 1e-10)).toBe(true);
  });
});

describe('categorical metrics vs scipy', () => {
  it.each(categorical)('$name', (c) => {
    const chi = chiSquareTest(c.reference, c.current);
    expect(isClose(chi.statistic, c.chiSquare.statistic, 1e-10, 1e-12)).toBe(true);
    expect(chi.degreesOfFreedom).toBe(c.chiSquare.degreesOfFreedom);
    expect(isClose(chi.pValue, c.chiSquare.pValue, 1e-9, 1e-300)).toBe(true);
    expect(isClose(populationStabilityIndex(c.reference, c.current), c.psi, 1e-10, 1e-15)).toBe(true);
    expect(isClose(jensenShannonDistance(c.reference, c.current), c.jensenShannon, 1e-10, 1e-12)).toBe(true);
    expect(isClose(hellingerDistance(c.reference, c.current), c.hellinger, 1e-10, 1e-12)).toBe(true);
  });
});

describe('edge cases of the count-vector metrics', () => {
  it('return NaN when a side is empty', () => {
    for (const f of [populationStabilityIndex, jensenShannonDistance, hellingerDistance]) {
      expect(Number.isNaN(f([1, 2], [0, 0]))).toBe(true);
    }
    expect(Number.isNaN(chiSquareTest([0, 0], [1, 1]).pValue)).toBe(true);
  });

  it('single category: no evidence of drift', () => {
    expect(chiSquareTest([10], [3])).toEqual({ statistic: 0, degreesOfFreedom: 0, pValue: 1 });
    expect(jensenShannonDistance([10], [3])).toBe(0);
  });

  it('PSI without smoothing is infinite when a bin empties; smoothing keeps it finite', () => {
    expect(populationStabilityIndex([5, 5], [10, 0], { smoothing: 0 })).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(populationStabilityIndex([5, 5], [10, 0]))).toBe(true);
  });

  it('Jensen–Shannon and Hellinger reach 1 on disjoint supports', () => {
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(hellingerDistance([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jensenShannonDistance([1, 0], [0, 1], { base: Math.E })).toBeCloseTo(Math.sqrt(Math.LN2), 12);
  });

  it('refuses misaligned or negative counts', () => {
    expect(() => populationStabilityIndex([1, 2], [1])).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
    expect(() => hellingerDistance([1, -2], [1, 1])).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
  });
});
