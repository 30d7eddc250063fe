import { chiSquareSurvival as chiSquareSf } from './internal/incomplete-gamma.js';
import { kolmogorovSurvival as kolmogorovSf } from './internal/kolmogorov.js';

/**
 * Survival function of the chi-square distribution, P(χ²(dof) ≥ x), via the regularized upper
 * incomplete gamma function Q(dof/2, x/2) (series / continued fraction). Keeps relative
 * precision deep in the tail (no 1 − CDF). Matches `scipy.stats.chi2.sf` to 1e−9 relative.
 */
export function chiSquareSurvival(x: number, dof: number): number {
  return chiSquareSf(x, dof);
}

/**
 * Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic for sample size
 * `n`, P(Dₙ > x), as `scipy.stats.kstwo.sf(x, n)` (Simard & L'Ecuyer's choice of exact and
 * asymptotic methods). Matches scipy to 1e−8 relative.
 */
export function kolmogorovSurvival(n: number, x: number): number {
  return kolmogorovSf(n, x);
}
