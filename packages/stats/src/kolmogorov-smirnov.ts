import { StatsError } from './StatsError.js';
import { sameEdges } from './numeric-summary.js';
import type { NumericSummary } from './numeric-summary.js';
import { kolmogorovSurvival } from './internal/kolmogorov.js';
import { isMissingNumber } from './internal/missing.js';
import { gcd, smirnovTwoSampleExact } from './internal/smirnov-exact.js';

/**
 * Largest sample size for which `method: 'auto'` computes the exact p-value, as scipy's
 * `ks_2samp(method='auto')`: exact when max(n₁, n₂) ≤ 10 000, asymptotic above.
 */
export const KS_EXACT_MAX_N = 10_000;

/** How a KS p-value is computed. */
export type KsMethod = 'auto' | 'exact' | 'asymptotic';

/** Options of the KS functions. */
export interface KsOptions {
  /**
   * `exact`: the exact null distribution of the two-sample statistic (lattice-path count).
   * `asymptotic`: scipy's formula, `kstwo.sf(D, round(n₁n₂/(n₁+n₂)))`. `auto`: exact when
   * max(n₁, n₂) ≤ {@link KS_EXACT_MAX_N}.
   * @default 'auto'
   */
  method?: KsMethod;
}

/** Result of a two-sample Kolmogorov–Smirnov test (two-sided). */
export interface KsResult {
  /** D = sup |F_ref − F_cur|. From a histogram: the supremum over the bin edges (a lower bound). */
  statistic: number;
  /** Upper bound on the true D; equals `statistic` when computed from raw samples. */
  statisticUpperBound: number;
  /** p-value of `statistic` under "same distribution". */
  pValue: number;
  /** How `pValue` was computed. */
  method: 'exact' | 'asymptotic';
  /** True when computed from a histogram rather than raw samples. */
  approximate: boolean;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Two-sided p-value of the two-sample KS statistic `d` for sample sizes `n1`, `n2`, following
 * scipy's `ks_2samp`. Exact: `d` is first rounded to the nearest multiple of 1/lcm(n₁, n₂).
 */
export function ksPValue(
  d: number,
  n1: number,
  n2: number,
  method: KsMethod = 'auto',
): { pValue: number; method: 'exact' | 'asymptotic' } {
  if (!(n1 > 0 && n2 > 0)) return { pValue: Number.NaN, method: 'asymptotic' };
  const exact = method === 'exact' || (method === 'auto' && Math.max(n1, n2) <= KS_EXACT_MAX_N);
  if (exact) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    if (lcm < 2 ** 31) {
      const h = roundHalfEven(d * lcm);
      return { pValue: Math.min(1, Math.max(0, smirnovTwoSampleExact(n1, n2, h))), method: 'exact' };
    }
  }
  const en = (n1 * n2) / (n1 + n2);
  return { pValue: kolmogorovSurvival(roundHalfEven(en), d), method: 'asymptotic' };
}

function finiteSorted(values: readonly number[]): number[] {
  const out: number[] = [];
  for (const v of values) if (!isMissingNumber(v)) out.push(v);
  return out.sort((a, b) => a - b);
}

/** sup |F_a − F_b| over two sorted samples, ties handled as scipy does (right-continuous ECDFs). */
export function ksStatisticSorted(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/**
 * Two-sample Kolmogorov–Smirnov test on raw samples (two-sided), matching
 * `scipy.stats.ks_2samp(reference, current, method='auto')`. Missing values (NaN, ±Infinity)
 * are dropped.
 *
 * @returns NaN statistic and p-value when either sample is empty.
 * @example
 * ```ts
 * const { statistic, pValue } = ksTwoSample(trainingAges, lastHourAges);
 * ```
 */
export function ksTwoSample(
  reference: readonly number[],
  current: readonly number[],
  options: KsOptions = {},
): KsResult {
  const a = finiteSorted(reference);
  const b = finiteSorted(current);
  if (a.length === 0 || b.length === 0) {
    return { statistic: Number.NaN, statisticUpperBound: Number.NaN, pValue: Number.NaN, method: 'asymptotic', approximate: false };
  }
  const d = ksStatisticSorted(a, b);
  const p = ksPValue(d, a.length, b.length, options.method);
  return { statistic: d, statisticUpperBound: d, pValue: p.pValue, method: p.method, approximate: false };
}

/**
 * KS test from two histograms that share bin edges (the streaming path). The empirical CDFs
 * are known exactly at every edge (bins are right-closed), so:
 * - `statistic` = max over edges of |F_ref − F_cur| ≤ true D (a lower bound);
 * - `statisticUpperBound` = max over bins of the largest gap the two CDFs could reach inside
 *   the bin, max(F_ref(right) − F_cur(left), F_cur(right) − F_ref(left)) ≥ true D.
 * The gap is at most the largest bin share, so a histogram with bins of ≤ 1% of either
 * sample pins D within 0.01. The p-value is that of the lower bound, with sizes `total`.
 */
export function ksFromSummaries(
  reference: NumericSummary,
  current: NumericSummary,
  options: KsOptions = {},
): KsResult {
  if (!sameEdges(reference, current)) {
    throw new StatsError('STATS_EDGES_MISMATCH', 'Reference and current summaries must share bin edges.');
  }
  if (reference.total === 0 || current.total === 0) {
    return { statistic: Number.NaN, statisticUpperBound: Number.NaN, pValue: Number.NaN, method: 'asymptotic', approximate: true };
  }
  let fr = 0;
  let fc = 0;
  let lower = 0;
  let upper = 0;
  for (let i = 0; i < reference.counts.length; i++) {
    const nr = fr + reference.counts[i] / reference.total;
    const nc = fc + current.counts[i] / current.total;
    upper = Math.max(upper, nr - fc, nc - fr);
    if (i < reference.edges.length) lower = Math.max(lower, Math.abs(nr - nc));
    fr = nr;
    fc = nc;
  }
  upper = Math.min(1, Math.max(upper, lower));
  const p = ksPValue(lower, reference.total, current.total, options.method);
  return { statistic: lower, statisticUpperBound: upper, pValue: p.pValue, method: p.method, approximate: true };
}
