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
  jensenShannonBase2: number;
  hellinger: number;
}
interface CategoricalCase {
  name: string;
  reference: number[];
  current: number[];
  chiSquare: { statistic: number; degreesOfFreedom: number; pValue: number };
  psi: number;
  jensenShannon: number;
  jensenShannonBase2: number;
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

describe('PSI (+1 smoothing), Jensen–Shannon (scipy, natural log and base 2), Hellinger on numeric bins', () => {
  it.each(numeric)('$name', (c) => {
    expect(isClose(populationStabilityIndex(c.referenceCounts, c.currentCounts), c.psi, 1e-10)).toBe(true);
    expect(isClose(jensenShannonDistance(c.referenceCounts, c.currentCounts), c.jensenShannon, 1e-10)).toBe(true);
    expect(isClose(jensenShannonDistance(c.referenceCounts, c.currentCounts, { base: 2 }), c.jensenShannonBase2, 1e-10)).toBe(true);
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
    expect(isClose(jensenShannonDistance(c.reference, c.current, { base: 2 }), c.jensenShannonBase2, 1e-10, 1e-12)).toBe(true);
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

  it('on disjoint supports Jensen–Shannon reaches √ln 2 (natural log, the default) or 1 (base 2); Hellinger 1', () => {
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 12);
    expect(jensenShannonDistance([1, 0], [0, 1], { base: 2 })).toBeCloseTo(1, 12);
    expect(hellingerDistance([1, 0], [0, 1])).toBeCloseTo(1, 12);
  });

  it("the 0.1 threshold is Evidently's: on the natural-log distance, i.e. 0.1/√ln 2 ≈ 0.1201 in base 2", () => {
    // Shares 50/50 against 62/38: 0.0856 in natural log (no drift for Evidently, nor here), 0.1028
    // in base 2 (the base-2 reading flagged it); 65/35 gives 0.1075, drift either way.
    const a = jensenShannonDistance([50, 50], [62, 38]);
    expect(a).toBeLessThan(0.1);
    expect(jensenShannonDistance([50, 50], [62, 38], { base: 2 })).toBeGreaterThan(0.1);
    expect(jensenShannonDistance([50, 50], [62, 38], { base: 2 })).toBeCloseTo(a / Math.sqrt(Math.LN2), 14);
    expect(jensenShannonDistance([50, 50], [65, 35])).toBeGreaterThan(0.1);
  });

  it('refuses misaligned or negative counts', () => {
    expect(() => populationStabilityIndex([1, 2], [1])).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
    expect(() => hellingerDistance([1, -2], [1, 1])).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
  });
});
