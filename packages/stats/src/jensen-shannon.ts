import { checkAligned, sum, toProportions } from './internal/probabilities.js';

/** Options of {@link jensenShannonDistance}. */
export interface JensenShannonOptions {
  /**
   * Logarithm base. Base 2 bounds the distance in [0, 1], so one threshold fits every feature.
   * @default 2
   */
  base?: number;
}

/**
 * Jensen–Shannon distance (the square root of the JS divergence) between two count vectors,
 * as `scipy.spatial.distance.jensenshannon(p, q, base=2)`: counts are normalised to shares;
 * no smoothing is needed, empty bins contribute 0. Symmetric, in [0, 1] for base 2, a metric.
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
  const base = options.base ?? 2;
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
