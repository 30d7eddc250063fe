import { estimateDifference } from './internal/estimate-difference.js';

/** Count, sum and sum of squares of per-row values (a loss, an error); add two to merge them. */
export interface MomentSums {
  n: number;
  sum: number;
  sumSq: number;
}

/** Count, Σe² and Σe⁴ of per-row errors e, what {@link rmseDifference} needs. */
export interface SquaredErrorSums {
  n: number;
  sumSq: number;
  sumFourth: number;
}

/** Two independent estimates compared with a normal approximation. */
export interface EstimateDifference {
  a: number;
  b: number;
  /** b − a */
  difference: number;
  standardError: number;
  /** Wald interval of the difference at the requested confidence. */
  interval: [number, number];
  /** difference ÷ standardError */
  z: number;
  /** Two-sided normal p-value. */
  pValue: number;
}

function meanAndSe(s: MomentSums): { estimate: number; se: number } {
  if (s.n <= 1) return { estimate: s.n === 1 ? s.sum : Number.NaN, se: Number.NaN };
  const mean = s.sum / s.n;
  const variance = Math.max(0, (s.sumSq - s.sum * mean) / (s.n - 1));
  return { estimate: mean, se: Math.sqrt(variance / s.n) };
}

/**
 * Difference of two means of per-row values (MAE = mean |e|, log loss = mean cross-entropy, MAPE
 * = mean |e|/|y|) with the unequal-variance (Welch) standard error √(s²a/na + s²b/nb), sample
 * variances with n − 1, and a normal (not Student t) interval and p-value: the windows compared
 * hold hundreds of labelled rows or more, where the two agree to the third digit, and a normal
 * reference keeps every comparison on one scale. NaN with fewer than 2 rows on a side.
 *
 * @param confidence of the interval. @default 0.95
 */
export function meanDifference(a: MomentSums, b: MomentSums, confidence = 0.95): EstimateDifference {
  return estimateDifference(meanAndSe(a), meanAndSe(b), confidence);
}

/**
 * Difference of two RMSEs by the delta method: the MSE is a mean of e² with standard error
 * √(var(e²)/n), and se(RMSE) = se(MSE) / (2·RMSE). Normal interval and p-value as
 * {@link meanDifference}. NaN with fewer than 2 rows on a side.
 *
 * @param confidence of the interval. @default 0.95
 */
export function rmseDifference(a: SquaredErrorSums, b: SquaredErrorSums, confidence = 0.95): EstimateDifference {
  const side = (s: SquaredErrorSums) => {
    const mse = meanAndSe({ n: s.n, sum: s.sumSq, sumSq: s.sumFourth });
    const rmse = Math.sqrt(mse.estimate);
    return { estimate: rmse, se: rmse > 0 ? mse.se / (2 * rmse) : 0 };
  };
  return estimateDifference(side(a), side(b), confidence);
}
