import { checkAligned, sum, toProportions } from './internal/probabilities.js';

/**
 * Hellinger distance between two count vectors: H = √(½ Σᵢ (√pᵢ − √qᵢ)²) over the shares,
 * in [0, 1] (0 identical, 1 disjoint supports). Symmetric; no smoothing needed. Computed as a
 * sum of squares rather than √(1 − Σ√(pq)) so that near-identical inputs do not cancel.
 *
 * @returns NaN when either side has no values.
 */
export function hellingerDistance(reference: readonly number[], current: readonly number[]): number {
  checkAligned(reference, current);
  if (sum(reference) === 0 || sum(current) === 0) return Number.NaN;
  const p = toProportions(reference);
  const q = toProportions(current);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (Math.sqrt(p[i]) - Math.sqrt(q[i])) ** 2;
  return Math.min(1, Math.sqrt(s / 2));
}
