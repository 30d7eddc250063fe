import { checkAligned, sum, toProportions } from './internal/probabilities.js';

/** Options of {@link jensenShannonDistance}. */
export interface JensenShannonOptions {
  /**
   * Logarithm base. The natural logarithm (scipy's default, and Evidently's since it calls
   * `jensenshannon(p, q)` without a base) bounds the distance in [0, √ln 2 ≈ 0.833]; base 2 bounds
   * it in [0, 1]. The distance in base b is the natural-log one ÷ √ln b, so a threshold moves
   * with the base: Evidently's 0.1 in natural log is 0.1201 in base 2.
   * @default Math.E
   */
  base?: number;
}

/**
 * Jensen–Shannon distance (the square root of the JS divergence) between two count vectors,
 * as `scipy.spatial.distance.jensenshannon(p, q)` (natural logarithm unless `base` is given):
 * counts are normalised to shares; no smoothing is needed, empty bins contribute 0. Symmetric,
 * in [0, √ln 2] with the natural logarithm (in [0, 1] with base 2), a metric.
 *
 * @returns NaN when either side has no values.
 */
export function jensenShannonDistance(
  reference: readonly number[],
  current: readonly number[],
  options: JensenShannonOptions = {},
): number {
  checkAligned(reference, current);
  if (sum(reference) === 0 || sum(current) === 0) return Number.NaN;
  const base = options.base ?? Math.E;
  const p = toProportions(reference);
  const q = toProportions(current);
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i] + q[i]) / 2;
    if (p[i] > 0) divergence += p[i] * Math.log(p[i] / m);
    if (q[i] > 0) divergence += q[i] * Math.log(q[i] / m);
  }
  return Math.sqrt(Math.max(0, divergence / 2 / Math.log(base)));
}
