import { chiSquareSurvival } from './internal/incomplete-gamma.js';
import { checkAligned, sum } from './internal/probabilities.js';

/** Result of {@link chiSquareTest}. */
export interface ChiSquareResult {
  /** Pearson's X² statistic. */
  statistic: number;
  /** Degrees of freedom: (number of categories seen on either side) − 1. */
  degreesOfFreedom: number;
  /** P(χ²(dof) ≥ statistic); 1 when there is at most one category. */
  pValue: number;
}

/**
 * Chi-square test of homogeneity on the 2 × k table (reference row, current row), without
 * Yates' correction: `scipy.stats.chi2_contingency([ref, cur], correction=False)` after
 * dropping categories that are empty on both sides.
 *
 * Why homogeneity and not goodness of fit against the reference shares (Evidently's choice):
 * both windows are samples, and a category unseen in the reference then needs no special
 * case. An unseen category has expected counts from the pooled shares, so it adds to X² in
 * proportion to how often it appears in the current window, and the test stays finite. With a
 * reference far larger than the window the two tests agree.
 *
 * The χ² approximation wants expected counts of about 5 or more per cell; with sparse
 * categories prefer Jensen–Shannon or group rare categories.
 *
 * @returns NaN statistic and p-value when either side has no values.
 */
export function chiSquareTest(reference: readonly number[], current: readonly number[]): ChiSquareResult {
  checkAligned(reference, current);
  const refTotal = sum(reference);
  const curTotal = sum(current);
  if (refTotal === 0 || curTotal === 0) {
    return { statistic: Number.NaN, degreesOfFreedom: Number.NaN, pValue: Number.NaN };
  }
  const total = refTotal + curTotal;
  let statistic = 0;
  let categories = 0;
  for (let i = 0; i < reference.length; i++) {
    const column = reference[i] + current[i];
    if (column === 0) continue;
    categories++;
    const expectedRef = (column * refTotal) / total;
    const expectedCur = (column * curTotal) / total;
    statistic += (reference[i] - expectedRef) ** 2 / expectedRef;
    statistic += (current[i] - expectedCur) ** 2 / expectedCur;
  }
  const degreesOfFreedom = categories - 1;
  if (degreesOfFreedom < 1) return { statistic: 0, degreesOfFreedom: 0, pValue: 1 };
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) };
}
