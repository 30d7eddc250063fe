import { describe, expect, it } from 'vitest';
import { coarsenToReferenceQuantiles, equalWidthEdges, referenceQuantileEdges } from './binning.js';
import { mergeCategorySummaries, summarizeCategories } from './category-summary.js';
import { compareDatasets } from './compare-datasets.js';
import { detectDrift } from './detect-drift.js';
import type { DriftResult } from './detect-drift.js';
import { DEFAULT_THRESHOLDS, defaultDriftMethod } from './drift-defaults.js';
import { mergeNumericSummaries, summarizeNumeric } from './numeric-summary.js';
import { normalSampler } from './internal/test-helpers.js';

const normal = normalSampler(42);
const sample = (n: number, mean = 0, sd = 1): number[] => Array.from({ length: n }, () => normal(mean, sd));
const labels = (n: number, weights: Record<string, number>): string[] => {
  const out: string[] = [];
  for (const [k, w] of Object.entries(weights)) for (let i = 0; i < Math.round(n * w); i++) out.push(k);
  return out;
};

function numbersOf(r: DriftResult): number[] {
  const m = r.metrics;
  return 'ks' in m
    ? [m.ks.statistic, m.ks.pValue, m.wasserstein.distance, m.wasserstein.normalized, m.psi, m.jensenShannon, m.hellinger]
    : [m.chiSquare.statistic, m.chiSquare.pValue, m.psi, m.jensenShannon, m.hellinger, m.unseen.share];
}

describe('defaults', () => {
  it('pick a test for small references and a distance above 1 000 values', () => {
    expect(defaultDriftMethod('numerical', 1000)).toBe('ks');
    expect(defaultDriftMethod('numerical', 1001)).toBe('wasserstein');
    expect(defaultDriftMethod('categorical', 1000)).toBe('chi-square');
    expect(defaultDriftMethod('categorical', 1001)).toBe('jensen-shannon');
    expect(DEFAULT_THRESHOLDS).toEqual({ ks: 0.05, 'chi-square': 0.05, 'two-proportion-z': 0.05, wasserstein: 0.1, psi: 0.1, 'jensen-shannon': 0.1, hellinger: 0.1 });
  });
});

describe('detectDrift properties', () => {
  const ref = sample(2000, 10, 2);
  const shifted = sample(1500, 11, 2);
  const cats = labels(1000, { a: 0.5, b: 0.3, c: 0.2 });
  const catsShifted = labels(800, { a: 0.3, b: 0.3, c: 0.3, d: 0.1 });

  it('identical samples show no drift under any method', () => {
    for (const method of ['ks', 'wasserstein', 'psi', 'jensen-shannon', 'hellinger'] as const) {
      const r = detectDrift(ref, ref, { method });
      expect(r.drifted, method).toBe(false);
    }
    const r = detectDrift(ref, ref);
    const m = r.metrics as Extract<DriftResult, { kind: 'numerical' }>['metrics'];
    expect([m.ks.statistic, m.wasserstein.distance, m.psi, m.jensenShannon, m.hellinger]).toEqual([0, 0, 0, 0, 0]);
    expect(m.ks.pValue).toBe(1);
    for (const method of ['chi-square', 'psi', 'jensen-shannon', 'hellinger'] as const) {
      expect(detectDrift(cats, cats, { method }).drifted, method).toBe(false);
    }
  });

  it('a shift of half a standard deviation drifts under every method', () => {
    for (const method of ['ks', 'wasserstein', 'psi', 'jensen-shannon', 'hellinger'] as const) {
      expect(detectDrift(ref, shifted, { method }).drifted, method).toBe(true);
    }
    const r = detectDrift(ref, shifted);
    expect(r).toMatchObject({ kind: 'numerical', method: 'wasserstein', threshold: 0.1, drifted: true, status: 'ok' });
    expect(r.statistic).toBeGreaterThan(0.4);
    expect(detectDrift(cats, catsShifted)).toMatchObject({ kind: 'categorical', method: 'chi-square', drifted: true });
  });

  it('symmetric metrics are symmetric; metrics are non-negative; p-values lie in [0, 1]', () => {
    const pairs: [unknown[], unknown[]][] = [
      [ref, shifted],
      [ref.slice(0, 40), sample(25, 10.5, 3)],
      [cats, catsShifted],
    ];
    for (const [a, b] of pairs) {
      // Bins come from the reference, so compare on fixed shared bins: pass the roles' own values.
      const ab = detectDrift(a as number[], b as number[]);
      const ba = detectDrift(b as number[], a as number[]);
      for (const x of numbersOf(ab)) expect(x).toBeGreaterThanOrEqual(0);
      if (ab.kind === 'numerical' && ba.kind === 'numerical') {
        expect(ab.metrics.ks.statistic).toBeCloseTo(ba.metrics.ks.statistic, 14);
        expect(ab.metrics.ks.pValue).toBeCloseTo(ba.metrics.ks.pValue, 12);
        expect(ab.metrics.wasserstein.distance).toBeCloseTo(ba.metrics.wasserstein.distance, 10);
        expect(ab.metrics.ks.pValue).toBeLessThanOrEqual(1);
      } else if (ab.kind === 'categorical' && ba.kind === 'categorical') {
        expect(ab.metrics.chiSquare.statistic).toBeCloseTo(ba.metrics.chiSquare.statistic, 10);
        expect(ab.metrics.chiSquare.pValue).toBeLessThanOrEqual(1);
        expect(ab.metrics.psi).toBeCloseTo(ba.metrics.psi, 12);
        expect(ab.metrics.jensenShannon).toBeCloseTo(ba.metrics.jensenShannon, 12);
        expect(ab.metrics.hellinger).toBeCloseTo(ba.metrics.hellinger, 12);
      }
    }
  });

  it('empty current window: status, no drift, NaN metrics, no throw', () => {
    const r = detectDrift(ref, []);
    expect(r).toMatchObject({ status: 'empty-current', drifted: false, current: { count: 0, missing: 0 } });
    expect(Number.isNaN(r.statistic)).toBe(true);
    expect(detectDrift([], ref)).toMatchObject({ status: 'empty-reference', drifted: false });
    expect(detectDrift(cats, [null, null])).toMatchObject({ kind: 'categorical', status: 'empty-current', current: { count: 0, missing: 2 } });
  });

  it('constant feature: unchanged is no drift, any change is drift', () => {
    const constant = new Array<number>(50).fill(3);
    // One distinct value: compared as categories by default (a z-test on the share of 3).
    expect(detectDrift(constant, constant.slice(0, 20))).toMatchObject({ method: 'two-proportion-z', drifted: false, pValue: 1 });
    expect(detectDrift(constant, [...constant.slice(0, 30), 4, 4, 4, 4])).toMatchObject({ method: 'two-proportion-z', drifted: true });
    const numeric = { lowCardinalityMax: 0 };
    expect(detectDrift(constant, constant.slice(0, 20), numeric)).toMatchObject({ method: 'ks', drifted: false, pValue: 1 });
    const moved = detectDrift(constant, [...constant.slice(0, 10), 4], numeric);
    expect(moved.metrics).toMatchObject({ bins: 2 });
    expect(detectDrift(constant, [4, 4, 4], { method: 'wasserstein' })).toMatchObject({ statistic: Number.POSITIVE_INFINITY, drifted: true });
  });

  it('single category on both sides: no drift', () => {
    expect(detectDrift(['x', 'x'], ['x'])).toMatchObject({ kind: 'categorical', statistic: 0, pValue: 1, drifted: false });
  });

  it('counts missing values and ignores them in the metrics', () => {
    const withGaps = [...ref.slice(0, 100), Number.NaN, null, undefined];
    const r = detectDrift(withGaps, ref.slice(0, 100));
    expect(r.reference).toEqual({ count: 100, missing: 3 });
    expect(r.statistic).toBe(0);
    const c = detectDrift(['a', null, 'b', Number.NaN], ['a', 'b', undefined]);
    expect(c).toMatchObject({ kind: 'categorical', reference: { count: 2, missing: 2 }, current: { count: 2, missing: 1 } });
  });

  it('reports unseen categories', () => {
    const r = detectDrift(cats, catsShifted);
    expect(r.kind === 'categorical' && r.metrics.unseen).toEqual({ share: 0.1, categories: ['d'] });
  });

  it('honours method and threshold overrides, and refuses a method of the other kind', () => {
    expect(detectDrift(ref, shifted, { method: 'psi', threshold: 10 })).toMatchObject({ method: 'psi', threshold: 10, drifted: false });
    expect(detectDrift(ref, shifted, { thresholds: { wasserstein: 5 } })).toMatchObject({ threshold: 5, drifted: false });
    expect(detectDrift(ref, shifted, { smallReferenceMax: 5000 })).toMatchObject({ method: 'ks' });
    expect(() => detectDrift(cats, catsShifted, { method: 'ks' })).toThrow(expect.objectContaining({ code: 'STATS_METHOD_NOT_APPLICABLE' }));
  });
});

describe('detectDrift from summaries (the streaming path)', () => {
  const ref = sample(5000, 0, 1);
  const cur = sample(3000, 0.3, 1);
  const edges = equalWidthEdges(-4, 4, 200);

  it('per-minute summaries merge into the same window summary', () => {
    const parts = [cur.slice(0, 1000), cur.slice(1000, 2000), cur.slice(2000)].map((p) => summarizeNumeric(p, edges));
    const merged = mergeNumericSummaries(...parts);
    const whole = summarizeNumeric(cur, edges);
    expect(merged.counts).toEqual(whole.counts);
    expect(merged).toMatchObject({ total: whole.total, min: whole.min, max: whole.max });
    expect(merged.sum).toBeCloseTo(whole.sum, 8);
    expect(JSON.parse(JSON.stringify(merged))).toEqual(merged);
    const cats = mergeCategorySummaries(summarizeCategories(['a', 'b']), summarizeCategories(['a', null]));
    expect(cats).toEqual({ counts: { a: 2, b: 1 }, total: 3, missing: 1 });
  });

  it('agrees with the raw-sample result within the stated bounds', () => {
    const raw = detectDrift(ref, cur);
    const fromSummaries = detectDrift(summarizeNumeric(ref, edges), summarizeNumeric(cur, edges));
    if (raw.kind !== 'numerical' || fromSummaries.kind !== 'numerical') throw new Error('kind');
    const a = raw.metrics;
    const b = fromSummaries.metrics;
    expect(b.ks.statistic).toBeLessThanOrEqual(a.ks.statistic + 1e-12);
    expect(b.ks.statisticUpperBound).toBeGreaterThanOrEqual(a.ks.statistic - 1e-12);
    expect(Math.abs(b.wasserstein.distance - a.wasserstein.distance)).toBeLessThanOrEqual(b.wasserstein.errorBound);
    expect(b.bins).toBe(10);
    expect(Math.abs(b.psi - a.psi)).toBeLessThan(0.02);
    expect(fromSummaries).toMatchObject({ method: 'wasserstein', drifted: raw.drifted });
  });

  it('coarsening keeps about a tenth of the reference per bin', () => {
    const { reference } = coarsenToReferenceQuantiles(summarizeNumeric(ref, edges), summarizeNumeric(cur, edges));
    const exactEdges = referenceQuantileEdges(ref);
    expect(reference.counts.length).toBe(10);
    // Off by at most one fine bin (≤ 1.6% of the reference near the centre).
    for (const c of reference.counts) expect(Math.abs(c - 500)).toBeLessThanOrEqual(100);
    reference.edges.forEach((e, i) => expect(Math.abs(e - exactEdges[i])).toBeLessThanOrEqual(0.04 + 1e-12));
  });

  it('a raw current window is binned on the reference summary edges', () => {
    const r = detectDrift(summarizeNumeric(ref, edges), cur);
    expect(r).toMatchObject({ kind: 'numerical', current: { count: 3000 } });
  });
});

describe('compareDatasets', () => {
  const ref = { a: sample(300), b: sample(300), c: labels(300, { x: 0.5, y: 0.5 }), gone: sample(50) };
  const cur = { a: sample(200, 1), b: sample(200), c: labels(200, { x: 0.5, y: 0.5 }), extra: [1, 2] };

  it('reports every reference feature and the drifted share', () => {
    const r = compareDatasets(ref, cur);
    expect(Object.keys(r.features)).toEqual(['a', 'b', 'c', 'gone']);
    expect(r.features.a.drifted).toBe(true);
    expect(r.features.b.drifted).toBe(false);
    expect(r.features.c).toMatchObject({ kind: 'categorical', drifted: false });
    expect(r.features.gone.status).toBe('empty-current');
    expect(r).toMatchObject({ comparedCount: 3, driftedCount: 1, driftShare: 0.5, drifted: false, notInReference: ['extra'] });
    expect(r.driftedShare).toBeCloseTo(1 / 3, 12);
  });

  it('applies per-feature options and the drift share', () => {
    const r = compareDatasets(ref, cur, { driftShare: 0.3, features: { a: { method: 'psi', threshold: 100 } } });
    expect(r.features.a).toMatchObject({ method: 'psi', drifted: false });
    expect(r).toMatchObject({ driftedCount: 0, drifted: false });
    expect(compareDatasets(ref, cur, { driftShare: 0.3 }).drifted).toBe(true);
  });
});
