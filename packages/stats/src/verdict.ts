/** How the candidate (b) compares with the baseline (a) on one dimension or overall. */
export type Verdict = 'better' | 'worse' | 'inconclusive';

/** The default significance level of {@link verdictOf}. */
export const DEFAULT_ALPHA = 0.05;

/**
 * `better` or `worse` when the difference b − a is significant at `alpha` (p < alpha), by its
 * sign and whether higher values are better for the metric; `inconclusive` otherwise, and when
 * the p-value is NaN (not enough data).
 */
export function verdictOf(difference: number, pValue: number, higherIsBetter: boolean, alpha = DEFAULT_ALPHA): Verdict {
  if (!(pValue < alpha) || difference === 0 || Number.isNaN(difference)) return 'inconclusive';
  return difference > 0 === higherIsBetter ? 'better' : 'worse';
}

/**
 * One verdict from several: `worse` if any is worse (a regression on any dimension is a reason
 * to roll back), else `better` if any is better, else `inconclusive`. Each dimension is tested
 * at its own alpha, so with k dimensions the chance of a false `worse` is up to k·alpha.
 */
export function overallVerdict(verdicts: Iterable<Verdict>): Verdict {
  let better = false;
  for (const v of verdicts) {
    if (v === 'worse') return 'worse';
    if (v === 'better') better = true;
  }
  return better ? 'better' : 'inconclusive';
}
