import {
  aucDifference,
  classificationFromConfusion,
  logLossSumsFromGroups,
  mannWhitneyFromSums,
  meanDifference,
  overallVerdict,
  rmseDifference,
  twoProportionZTest,
  verdictOf,
  type EstimateDifference,
  type ScoreGroup,
  type Verdict,
} from '@inferlens/stats';
import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { versionComparisonInputs, type VersionPair } from '../store/repositories/prediction-feedback.js';
import type { QualityModelConfig } from '../config.js';

/** What to compare: versions `a` (baseline) and `b` (candidate) of one model over [from, to). */
export interface CompareRequest extends Omit<VersionPair, 'outputs'> {
  /** Significance level of every verdict; intervals are at 1 − alpha. */
  alpha: number;
  outputs: Omit<QualityModelConfig, 'model'>;
}

/** One dimension of the comparison: values of a and b, b − a, its test and verdict. */
export interface DimensionComparison {
  a: number;
  b: number;
  /** b − a */
  difference: number;
  /** Interval of the difference at 1 − alpha (null where the method gives none). */
  interval: [number, number] | null;
  pValue: number;
  /** The test behind the p-value. */
  method: string;
  /** Whether a larger value is better for this metric. */
  higherIsBetter: boolean;
  /** Rows each side contributes. */
  rows: { a: number; b: number };
  verdict: Verdict;
}

/** Latency comparison: the Mann–Whitney test on successful predictions' latency. */
export interface LatencyComparison extends DimensionComparison {
  /** U of b, as `scipy.stats.mannwhitneyu(b, a).statistic`. */
  u: number;
  z: number;
  /** P(latency of b > latency of a) + ½ P(equal); 0.5 means no shift. */
  commonLanguageEffect: number;
}

/** The result of {@link compareVersions}. */
export interface VersionComparison {
  verdict: Verdict;
  latency: LatencyComparison | null;
  errorRate: DimensionComparison | null;
  quality: Record<string, DimensionComparison>;
}

type Num = number | string | null;

/**
 * Compares two versions of a model over one time range, every aggregation in ClickHouse:
 * latency (Mann–Whitney U from the two versions' latencies grouped by value, ranked with a window
 * function; one row comes back), error rate (two-proportion z-test), and, from predictions joined
 * with their newest feedback, accuracy (two-proportion z-test), ROC AUC (DeLong), log loss, MAE
 * and MAPE (Welch normal intervals of the mean), RMSE (delta method). Macro F1 is reported
 * without a test. Rows are counted as observed: `SampleRate` does not weight them, since the
 * tests are about the sample.
 */
export async function compareVersions(store: ClickHouseStore, r: CompareRequest): Promise<VersionComparison> {
  const confidence = 1 - r.alpha;
  const { latencyRanks: mw, totals, confusion, scores, regression: reg } = await versionComparisonInputs(store, r);
  const side = <T extends { ver: string }>(rows: T[], v: string) => rows.find((x) => x.ver === v);
  const dim = (d: EstimateDifference, method: string, higherIsBetter: boolean, rows: { a: number; b: number }): DimensionComparison => ({
    a: d.a, b: d.b, difference: d.difference, interval: d.interval, pValue: d.pValue, method, higherIsBetter, rows,
    verdict: verdictOf(d.difference, d.pValue, higherIsBetter, r.alpha),
  });

  const ta = side(totals, r.a);
  const tb = side(totals, r.b);
  let latency: LatencyComparison | null = null;
  if (mw && Number(mw.nA) > 0 && Number(mw.nB) > 0) {
    const t = mannWhitneyFromSums({ nA: Number(mw.nA), nB: Number(mw.nB), uB: Number(mw.u2) / 2, tieSum: Number(mw.ties) });
    const ma = Number(ta?.median);
    const mb = Number(tb?.median);
    latency = {
      a: ma, b: mb, difference: mb - ma, interval: null, pValue: t.pValue, method: 'mann-whitney-u', higherIsBetter: false,
      rows: { a: t.nA, b: t.nB }, u: t.statistic, z: t.z, commonLanguageEffect: t.commonLanguageEffect,
      verdict: verdictOf(t.commonLanguageEffect - 0.5, t.pValue, false, r.alpha),
    };
  }
  let errorRate: DimensionComparison | null = null;
  if (ta && tb) {
    const pa = { successes: Number(ta.errors), trials: Number(ta.n) };
    const pb = { successes: Number(tb.errors), trials: Number(tb.n) };
    const t = twoProportionZTest(pa, pb, confidence);
    errorRate = dim({ ...t, standardError: Number.NaN }, 'two-proportion-z', false, { a: pa.trials, b: pb.trials });
  }

  const quality: Record<string, DimensionComparison> = {};
  const cls = (v: string) =>
    classificationFromConfusion(confusion.filter((c) => c.ver === v).map((c) => ({ truth: c.truth, predicted: c.predicted, count: Number(c.count) })));
  const ca = cls(r.a);
  const cb = cls(r.b);
  if (ca.rows > 0 && cb.rows > 0) {
    const rows = { a: ca.rows, b: cb.rows };
    const acc = twoProportionZTest(
      { successes: Math.round(ca.accuracy * ca.rows), trials: ca.rows },
      { successes: Math.round(cb.accuracy * cb.rows), trials: cb.rows },
      confidence,
    );
    quality.accuracy = dim({ ...acc, standardError: Number.NaN }, 'two-proportion-z', true, rows);
    const f1a = ca.macro.f1;
    const f1b = cb.macro.f1;
    quality.macroF1 = { a: f1a, b: f1b, difference: f1b - f1a, interval: null, pValue: Number.NaN, method: 'none', higherIsBetter: true, rows, verdict: 'inconclusive' };
  }
  const groups = (v: string): ScoreGroup[] =>
    scores.filter((g) => g.ver === v).map((g) => ({ score: Number(g.score), positives: Number(g.positives), negatives: Number(g.negatives) }));
  const ga = groups(r.a);
  const gb = groups(r.b);
  const count = (g: ScoreGroup[]) => g.reduce((s, x) => s + x.positives + x.negatives, 0);
  if (ga.length > 0 && gb.length > 0) {
    const rows = { a: count(ga), b: count(gb) };
    const auc = aucDifference(ga, gb, confidence);
    if (!Number.isNaN(auc.difference)) quality.rocAuc = dim(auc, 'delong', true, rows);
    quality.logLoss = dim(meanDifference(logLossSumsFromGroups(ga), logLossSumsFromGroups(gb), confidence), 'welch-normal', false, rows);
  }
  const ra = side(reg, r.a);
  const rb = side(reg, r.b);
  if (ra && rb) {
    const rows = { a: Number(ra.n), b: Number(rb.n) };
    const absSums = (x: typeof ra) => ({ n: Number(x.n), sum: Number(x.abs), sumSq: Number(x.sq) });
    quality.mae = dim(meanDifference(absSums(ra), absSums(rb), confidence), 'welch-normal', false, rows);
    const sq = (x: typeof ra) => ({ n: Number(x.n), sumSq: Number(x.sq), sumFourth: Number(x.q4) });
    quality.rmse = dim(rmseDifference(sq(ra), sq(rb), confidence), 'delta-normal', false, rows);
    if (Number(ra.nz) > 1 && Number(rb.nz) > 1) {
      const ape = (x: typeof ra) => ({ n: Number(x.nz), sum: Number(x.ape), sumSq: Number(x.ape2) });
      quality.mape = dim(meanDifference(ape(ra), ape(rb), confidence), 'welch-normal', false, { a: Number(ra.nz), b: Number(rb.nz) });
    }
  }
  const verdict = overallVerdict([latency?.verdict, errorRate?.verdict, ...Object.values(quality).map((q) => q.verdict)].filter((v): v is Verdict => v !== undefined));
  return { verdict, latency, errorRate, quality };
}
