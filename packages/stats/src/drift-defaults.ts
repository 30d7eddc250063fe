/** The kind of a feature: numbers, or labels compared by equality. */
export type FeatureKind = 'numerical' | 'categorical';

/**
 * A drift method.
 * - `ks`: two-sample Kolmogorov–Smirnov test (numerical); drift when p-value < threshold.
 * - `chi-square`: chi-square test of homogeneity (categorical); drift when p-value < threshold.
 * - `wasserstein`: Wasserstein-1 distance ÷ reference standard deviation (numerical).
 * - `psi`: Population Stability Index (both kinds).
 * - `jensen-shannon`: Jensen–Shannon distance, base 2 (both kinds).
 * - `hellinger`: Hellinger distance (both kinds).
 * Distances: drift when the distance ≥ threshold.
 */
export type DriftMethod = 'ks' | 'chi-square' | 'wasserstein' | 'psi' | 'jensen-shannon' | 'hellinger';

/** Methods whose score is a p-value (drift when below the threshold). */
export const P_VALUE_METHODS: readonly DriftMethod[] = Object.freeze(['ks', 'chi-square']);

/** Methods that apply to each feature kind. */
export const METHODS_BY_KIND: Readonly<Record<FeatureKind, readonly DriftMethod[]>> = Object.freeze({
  numerical: Object.freeze(['ks', 'wasserstein', 'psi', 'jensen-shannon', 'hellinger'] as DriftMethod[]),
  categorical: Object.freeze(['chi-square', 'psi', 'jensen-shannon', 'hellinger'] as DriftMethod[]),
});

/**
 * Default thresholds. p-value methods: 0.05 (the conventional level; also Evidently's and the
 * lower of whylogs' two bands). Distances: 0.1, Evidently's value for normalised Wasserstein,
 * Jensen–Shannon and Hellinger, and the usual "moderate shift" line for PSI.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = Object.freeze({
  ks: 0.05,
  'chi-square': 0.05,
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
 * The default drift method for a feature:
 * - numerical: `ks` when the reference has ≤ `smallReferenceMax` values, else `wasserstein`
 *   (normalised by the reference standard deviation);
 * - categorical: `chi-square` when the reference has ≤ `smallReferenceMax` values, else
 *   `jensen-shannon`.
 *
 * @param smallReferenceMax - @default 1000
 */
export function defaultDriftMethod(
  kind: FeatureKind,
  referenceSize: number,
  smallReferenceMax: number = DEFAULT_SMALL_REFERENCE_MAX,
): DriftMethod {
  const small = referenceSize <= smallReferenceMax;
  if (kind === 'numerical') return small ? 'ks' : 'wasserstein';
  return small ? 'chi-square' : 'jensen-shannon';
}
