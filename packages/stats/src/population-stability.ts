import { checkAligned, sum, toProportions } from './internal/probabilities.js';

/**
 * Default pseudo-count added to every bin of both distributions before PSI: +1 (Laplace),
 * as Arize Phoenix does. It keeps PSI finite when a bin is empty on one side, and its effect
 * shrinks as counts grow, unlike a fixed floor on proportions (Evidently's 0.0001), whose
 * choice dominates PSI whenever a bin empties.
 */
export const DEFAULT_PSI_SMOOTHING = 1;

/** Options of {@link populationStabilityIndex}. */
export interface PsiOptions {
  /**
   * Pseudo-count added to every bin of both sides before normalising. 0 turns smoothing off
   * (then a bin empty on one side only gives `Infinity`).
   * @default 1
   */
  smoothing?: number;
}

/**
 * Population Stability Index over aligned bins:
 * PSI = Σᵢ (qᵢ − pᵢ) · ln(qᵢ / pᵢ), p = reference shares, q = current shares, after adding
 * `smoothing` to every count. Symmetric in its arguments, ≥ 0, 0 for identical counts.
 * Usual reading: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 large shift.
 *
 * @param reference - reference counts per bin (or category).
 * @param current - current counts over the same bins.
 * @returns NaN when either side has no values.
 * @example
 * ```ts
 * populationStabilityIndex([50, 30, 20], [30, 30, 40]); // ≈ 0.24
 * ```
 */
export function populationStabilityIndex(
  reference: readonly number[],
  current: readonly number[],
  options: PsiOptions = {},
): number {
  checkAligned(reference, current);
  if (sum(reference) === 0 || sum(current) === 0) return Number.NaN;
  const smoothing = options.smoothing ?? DEFAULT_PSI_SMOOTHING;
  const p = toProportions(reference, smoothing);
  const q = toProportions(current, smoothing);
  let psi = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === q[i]) continue;
    psi += (q[i] - p[i]) * Math.log(q[i] / p[i]);
  }
  return psi;
}
