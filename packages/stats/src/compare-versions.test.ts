import { describe, expect, it } from 'vitest';
import { aucDifference, aucWithDeLongError } from './delong.js';
import { mannWhitneyFromSums, mannWhitneySumsFromGroups, mannWhitneyU } from './mann-whitney.js';
import { meanDifference, rmseDifference, type EstimateDifference, type MomentSums } from './mean-difference.js';
import { twoProportionZTest } from './two-proportion.js';
import { overallVerdict, verdictOf } from './verdict.js';
import { logLossFromGroups, logLossSumsFromGroups, rocAucFromGroups, type ScoreGroup } from './classification-metrics.js';
import { normalQuantile } from './internal/normal.js';
import { isClose, loadFixture } from './internal/test-helpers.js';

interface Diff { a: number; b: number; difference: number; standardError: number; interval: [number, number]; z: number; pValue: number }
interface CompareFixture {
  normalQuantile: Array<{ p: number; x: number }>;
  mannWhitney: Array<{ name: string; a: number[]; b: number[]; statistic: number; pValue: number; commonLanguageEffect: number }>;
  twoProportion: Array<{ a: { successes: number; trials: number }; b: { successes: number; trials: number }; pa: number; pb: number; difference: number; z: number; pValue: number; interval: [number, number] }>;
  meanDifference: Array<Diff & { valuesA: number[]; valuesB: number[] }>;
  rmseDifference: Array<Diff & { errorsA: number[]; errorsB: number[] }>;
  aucDifference: Array<Diff & { labelsA: number[]; scoresA: number[]; labelsB: number[]; scoresB: number[]; seA: number; seB: number }>;
}

const F = loadFixture<CompareFixture>('compare.json');
const close = (actual: number, expected: number, rtol = 1e-9) => expect(isClose(actual, expected, rtol, 1e-300), `${actual} vs ${expected}`).toBe(true);
const moments = (xs: number[]): MomentSums => xs.reduce((s, x) => ({ n: s.n + 1, sum: s.sum + x, sumSq: s.sumSq + x * x }), { n: 0, sum: 0, sumSq: 0 });
function closeDiff(r: EstimateDifference, e: Diff): void {
  close(r.a, e.a);
  close(r.b, e.b);
  close(r.difference, e.difference);
  close(r.standardError, e.standardError);
  close(r.z, e.z);
  close(r.pValue, e.pValue, 1e-7);
  close(r.interval[0], e.interval[0]);
  close(r.interval[1], e.interval[1]);
}
function groups(labels: number[], scores: number[]): ScoreGroup[] {
  return labels.map((y, i) => ({ score: scores[i]!, positives: y, negatives: 1 - y }));
}

describe('normalQuantile (scipy.stats.norm.ppf)', () => {
  it.each(F.normalQuantile)('p = $p', ({ p, x }) => close(normalQuantile(p), x, 1e-13));
});

describe('mannWhitneyU (scipy.stats.mannwhitneyu(b, a, method="asymptotic"))', () => {
  it.each(F.mannWhitney.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = mannWhitneyU(c.a, c.b);
    expect([r.nA, r.nB]).toEqual([c.a.length, c.b.length]);
    close(r.statistic, c.statistic, 1e-15);
    close(r.pValue, c.pValue, 1e-8);
    close(r.commonLanguageEffect, c.commonLanguageEffect, 1e-15);
  });

  it('gives the same sums from groups that repeat values as from merged ones', () => {
    const c = F.mannWhitney[0]!;
    const split = [...c.a.map((v) => ({ value: v, a: 1, b: 0 })), ...c.b.map((v) => ({ value: v, a: 0, b: 1 }))];
    expect(mannWhitneySumsFromGroups(split).uB).toBe(c.statistic);
  });

  it('answers NaN without values on a side and p = 1 when everything is tied', () => {
    expect(Number.isNaN(mannWhitneyU([], [1, 2]).pValue)).toBe(true);
    expect(mannWhitneyFromSums({ nA: 5, nB: 5, uB: 12.5, tieSum: 990 }).pValue).toBe(1);
  });
});

describe('twoProportionZTest (pooled z, Wald interval; numpy + scipy.stats.norm)', () => {
  it.each(F.twoProportion.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const r = twoProportionZTest(c.a, c.b);
    close(r.a, c.pa);
    close(r.b, c.pb);
    close(r.difference, c.difference);
    close(r.z, c.z);
    close(r.pValue, c.pValue, 1e-8);
    close(r.interval[0], c.interval[0]);
    close(r.interval[1], c.interval[1]);
  });
});

describe('meanDifference and rmseDifference (Welch normal, delta method; numpy)', () => {
  it.each(F.meanDifference.map((c, i) => [i, c] as const))('mean case %i', (_i, c) => {
    closeDiff(meanDifference(moments(c.valuesA), moments(c.valuesB)), c);
  });
  it.each(F.rmseDifference.map((c, i) => [i, c] as const))('rmse case %i', (_i, c) => {
    const sums = (e: number[]) => e.reduce((s, x) => ({ n: s.n + 1, sumSq: s.sumSq + x * x, sumFourth: s.sumFourth + x ** 4 }), { n: 0, sumSq: 0, sumFourth: 0 });
    closeDiff(rmseDifference(sums(c.errorsA), sums(c.errorsB)), c);
  });
});

describe('aucDifference (DeLong; numpy pairwise placements)', () => {
  it.each(F.aucDifference.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const ga = groups(c.labelsA, c.scoresA);
    const gb = groups(c.labelsB, c.scoresB);
    close(aucWithDeLongError(ga).standardError, c.seA);
    close(aucWithDeLongError(gb).auc, rocAucFromGroups(gb), 1e-12);
    closeDiff(aucDifference(ga, gb), c);
  });
});

describe('logLossSumsFromGroups', () => {
  it('has the mean logLossFromGroups has', () => {
    const c = F.aucDifference[1]!;
    const g = groups(c.labelsA, c.scoresA);
    const s = logLossSumsFromGroups(g);
    close(s.sum / s.n, logLossFromGroups(g), 1e-12);
  });
});

describe('verdicts', () => {
  it('follow the sign, the direction of the metric and alpha', () => {
    expect(verdictOf(0.1, 0.01, false)).toBe('worse');
    expect(verdictOf(0.1, 0.01, true)).toBe('better');
    expect(verdictOf(0.1, 0.06, true)).toBe('inconclusive');
    expect(verdictOf(0.1, 0.06, true, 0.1)).toBe('better');
    expect(verdictOf(Number.NaN, Number.NaN, true)).toBe('inconclusive');
    expect(overallVerdict(['better', 'worse', 'inconclusive'])).toBe('worse');
    expect(overallVerdict(['better', 'inconclusive'])).toBe('better');
    expect(overallVerdict([])).toBe('inconclusive');
  });
});
