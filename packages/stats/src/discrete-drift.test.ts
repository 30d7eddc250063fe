import { describe, expect, it } from 'vitest';
import { chiSquareTest } from './chi-square.js';
import { detectDrift } from './detect-drift.js';
import { defaultDriftMethod, LOW_CARDINALITY_MAX } from './drift-defaults.js';
import { twoProportionZTest } from './two-proportion.js';
import { isClose, loadFixture } from './internal/test-helpers.js';

interface CountsCase {
  a: { successes: number; trials: number };
  b: { successes: number; trials: number };
  z: number;
  pValue: number;
  chiSquare: number;
  chiSquarePValue: number;
}
interface RawCase {
  name: string;
  reference: number[];
  current: number[];
  method: string;
  referenceValues: number;
  jensenShannon: number;
  chiSquare: { statistic: number; pValue: number; degreesOfFreedom: number };
  twoProportion?: { category: string; z: number; pValue: number };
}
const fixture = loadFixture<{ twoProportion: CountsCase[]; lowCardinality: RawCase[] }>('discrete-drift.json');

describe('two-proportion z-test vs the statsmodels formula with scipy.stats.norm', () => {
  it.each(fixture.twoProportion)('$a.successes/$a.trials vs $b.successes/$b.trials', (c) => {
    const t = twoProportionZTest(c.a, c.b);
    expect(isClose(t.z, c.z, 1e-12)).toBe(true);
    expect(isClose(t.pValue, c.pValue, 1e-9)).toBe(true);
  });

  it.each(fixture.twoProportion)('is the 2 × 2 chi-square test of homogeneity: z² = X², same p ($a.successes/$a.trials)', (c) => {
    const chi = chiSquareTest([c.a.successes, c.a.trials - c.a.successes], [c.b.successes, c.b.trials - c.b.successes]);
    expect(isClose(chi.statistic, c.chiSquare, 1e-10)).toBe(true);
    expect(isClose(chi.pValue, c.chiSquarePValue, 1e-9)).toBe(true);
    expect(isClose(twoProportionZTest(c.a, c.b).z ** 2, chi.statistic, 1e-10)).toBe(true);
  });
});

describe("automatic choice for discrete features (Evidently's rule)", () => {
  it('binary categoricals get the two-proportion z-test up to 1 000 reference values, Jensen–Shannon above', () => {
    expect(defaultDriftMethod('categorical', 1000, undefined, 2)).toBe('two-proportion-z');
    expect(defaultDriftMethod('categorical', 1000, undefined, 3)).toBe('chi-square');
    expect(defaultDriftMethod('categorical', 1001, undefined, 2)).toBe('jensen-shannon');
    expect(defaultDriftMethod('categorical', 10)).toBe('chi-square');
    const r = detectDrift(['a', 'a', 'b', 'a'], ['b', 'b', 'a']);
    expect(r).toMatchObject({ kind: 'categorical', method: 'two-proportion-z', threshold: 0.05 });
    // A third category in the window makes the table 2 × 3: chi-square.
    expect(detectDrift(['a', 'a', 'b', 'a'], ['b', 'c', 'a']).method).toBe('chi-square');
  });

  it.each(fixture.lowCardinality)('numbers with ≤ 5 distinct reference values are compared as categories: $name', (c) => {
    expect(c.referenceValues).toBeLessThanOrEqual(LOW_CARDINALITY_MAX);
    const r = detectDrift(c.reference, c.current);
    expect(r).toMatchObject({ kind: 'categorical', method: c.method, lowCardinality: { referenceValues: c.referenceValues } });
    if (r.kind !== 'categorical') throw new Error('kind');
    expect(isClose(r.metrics.chiSquare.statistic, c.chiSquare.statistic, 1e-10)).toBe(true);
    expect(isClose(r.metrics.chiSquare.pValue, c.chiSquare.pValue, 1e-9)).toBe(true);
    expect(r.metrics.chiSquare.degreesOfFreedom).toBe(c.chiSquare.degreesOfFreedom);
    expect(isClose(r.metrics.jensenShannon, c.jensenShannon, 1e-10)).toBe(true);
    if (c.twoProportion) {
      expect(r.metrics.twoProportion.category).toBe(c.twoProportion.category);
      expect(isClose(r.statistic, c.twoProportion.z, 1e-12)).toBe(true);
      expect(isClose(r.pValue!, c.twoProportion.pValue, 1e-9)).toBe(true);
    }
  });

  it('six distinct values, an explicit method or lowCardinalityMax: 0 keep the numerical test', () => {
    const six = [0, 1, 2, 3, 4, 5, 0, 1, 2];
    expect(detectDrift(six, [0, 1, 2])).toMatchObject({ kind: 'numerical', method: 'ks' });
    expect(detectDrift(six.slice(0, 5), [0, 1, 2])).toMatchObject({ kind: 'categorical', lowCardinality: { referenceValues: 5 } });
    expect(detectDrift(six.slice(0, 5), [0, 1, 2], { method: 'ks' })).toMatchObject({ kind: 'numerical', method: 'ks' });
    expect(detectDrift(six.slice(0, 5), [0, 1, 2], { lowCardinalityMax: 0 })).toMatchObject({ kind: 'numerical' });
    expect(detectDrift(six.slice(0, 5), [0, 1, 2], { method: 'ks' }).lowCardinality).toBeUndefined();
  });

  it('values the reference never had are unseen categories; missing numbers stay missing', () => {
    const r = detectDrift([0, 1, 1, 0, null, Number.NaN], [1, 7, 7, Number.POSITIVE_INFINITY]);
    expect(r).toMatchObject({ kind: 'categorical', method: 'chi-square', reference: { count: 4, missing: 2 }, current: { count: 3, missing: 1 } });
    expect(r.kind === 'categorical' && r.metrics.unseen).toEqual({ share: 2 / 3, categories: ['7'] });
  });
});
