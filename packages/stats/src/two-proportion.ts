import { normalCritical, normalTwoSidedP } from './internal/normal.js';

/** Successes out of trials in one sample. */
export interface Proportion {
  successes: number;
  trials: number;
}

/** A two-proportion z-test of b against a. */
export interface TwoProportionResult {
  a: number;
  b: number;
  /** b − a */
  difference: number;
  /** Wald interval of the difference (unpooled standard error) at the requested confidence. */
  interval: [number, number];
  /** Pooled z score, positive when b is larger. */
  z: number;
  /** Two-sided p-value of the pooled z. */
  pValue: number;
}

/**
 * Two-sided two-proportion z-test with the pooled standard error
 * √(p̂(1 − p̂)(1/nA + 1/nB)), p̂ = (xA + xB)/(nA + nB), and the Wald interval of pB − pA with the
 * unpooled standard error √(pA(1 − pA)/nA + pB(1 − pB)/nB) — the textbook pair, as
 * `statsmodels`' `proportions_ztest` and `confint_proportions_2indep(method='wald')`. Needs
 * enough successes and failures on both sides (say 10 or more) for the normal approximation.
 * When both samples are all successes or all failures, z = 0 and p = 1; without trials on a
 * side, NaN.
 *
 * @example twoProportionZTest({ successes: 12, trials: 1000 }, { successes: 31, trials: 1000 }).pValue
 * @param confidence of the interval. @default 0.95
 */
export function twoProportionZTest(a: Proportion, b: Proportion, confidence = 0.95): TwoProportionResult {
  if (a.trials <= 0 || b.trials <= 0) {
    return { a: Number.NaN, b: Number.NaN, difference: Number.NaN, interval: [Number.NaN, Number.NaN], z: Number.NaN, pValue: Number.NaN };
  }
  const pa = a.successes / a.trials;
  const pb = b.successes / b.trials;
  const diff = pb - pa;
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  const z = se0 > 0 ? diff / se0 : 0;
  const se = Math.sqrt((pa * (1 - pa)) / a.trials + (pb * (1 - pb)) / b.trials);
  const h = normalCritical(confidence) * se;
  return { a: pa, b: pb, difference: diff, interval: [diff - h, diff + h], z, pValue: se0 > 0 ? normalTwoSidedP(z) : 1 };
}
