/** The kind of a feature: numbers, or labels compared by equality. */
export type FeatureKind = 'numerical' | 'categorical';

/**
 * A drift method.
 * - `ks`: two-sample Kolmogorov–Smirnov test (numerical); drift when p-value < threshold.
 * - `chi-square`: chi-square test of homogeneity (categorical); drift when p-value < threshold.
 * - `two-proportion-z`: pooled two-proportion z-test on the share of the reference's most
 *   frequent category (categorical; the default for binary ones); drift when p-value < threshold.
 * - `wasserstein`: Wasserstein-1 distance ÷ reference standard deviation (numerical).
 * - `psi`: Population Stability Index (both kinds).
 * - `jensen-shannon`: Jensen–Shannon distance, natural logarithm (both kinds).
 * - `hellinger`: Hellinger distance (both kinds).
 * Distances: drift when the distance ≥ threshold.
 */
export type DriftMethod = 'ks' | 'chi-square' | 'two-proportion-z' | 'wasserstein' | 'psi' | 'jensen-shannon' | 'hellinger';

/** Methods whose score is a p-value (drift when below the threshold). */
export const P_VALUE_METHODS: readonly DriftMethod[] = Object.freeze(['ks', 'chi-square', 'two-proportion-z']);

/** Methods that apply to each feature kind. */
export const METHODS_BY_KIND: Readonly<Record<FeatureKind, readonly DriftMethod[]>> = Object.freeze({
  numerical: Object.freeze(['ks', 'wasserstein', 'psi', 'jensen-shannon', 'hellinger'] as DriftMethod[]),
  categorical: Object.freeze(['chi-square', 'two-proportion-z', 'psi', 'jensen-shannon', 'hellinger'] as DriftMethod[]),
});

/**
 * Default thresholds. p-value methods: 0.05 (the conventional level; also Evidently's and the
 * lower of whylogs' two bands). Distances: 0.1, Evidently's value for normalised Wasserstein,
 * Jensen–Shannon (on the natural-log distance, as Evidently computes it) and Hellinger, and the
 * usual "moderate shift" line for PSI.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = Object.freeze({
  ks: 0.05,
  'chi-square': 0.05,
  'two-proportion-z': 0.05,
  wasserstein: 0.1,
  psi: 0.1,
  'jensen-shannon': 0.1,
  hellinger: 0.1,
});

/**
 * Largest reference (non-missing values) for which the default method is a statistical test;
 * above it the default is a distance. 1 000, as Evidently: with more data a test flags shifts
 * too small to matter (its p-value goes to 0 for any difference), while a distance measures
 * how large the shift is, whatever the sample size.
 */
export const DEFAULT_SMALL_REFERENCE_MAX = 1000;

/**
 * A numeric feature whose reference holds at most this many distinct values is compared as
 * categories (its values as text) when the method is `auto`: 5, as Evidently. A flag, a count
 * of 0 to 4 or a rating from 1 to 5 is a handful of levels, not a continuum; KS and Wasserstein
 * on such a feature mostly measure ties.
 */
export const LOW_CARDINALITY_MAX = 5;

/**
 * The default drift method for a feature:
 * - numerical: `ks` when the reference has ≤ `smallReferenceMax` values, else `wasserstein`
 *   (normalised by the reference standard deviation);
 * - categorical: when the reference has ≤ `smallReferenceMax` values, `two-proportion-z` for a
 *   binary feature (at most two categories on both sides together, as Evidently counts them)
 *   and `chi-square` otherwise; above, `jensen-shannon`.
 *
 * @param smallReferenceMax - @default 1000
 * @param categories - categories seen on either side (categorical only); unknown counts as more than two.
 */
export function defaultDriftMethod(
  kind: FeatureKind,
  referenceSize: number,
  smallReferenceMax: number = DEFAULT_SMALL_REFERENCE_MAX,
  categories: number = Number.POSITIVE_INFINITY,
): DriftMethod {
  const small = referenceSize <= smallReferenceMax;
  if (kind === 'numerical') return small ? 'ks' : 'wasserstein';
  if (!small) return 'jensen-shannon';
  return categories <= 2 ? 'two-proportion-z' : 'chi-square';
}
