import { detectDrift } from './detect-drift.js';
import type { DriftOptions, DriftResult, FeatureInput } from './detect-drift.js';

/**
 * Share of drifted features at or above which the data set counts as drifted: 0.5, as
 * Evidently's `DatasetDriftMetric`.
 */
export const DEFAULT_DRIFT_SHARE = 0.5;

/** Options of {@link compareDatasets}. */
export interface CompareDatasetsOptions extends DriftOptions {
  /** Options per feature name, merged over the shared ones. @default {} */
  features?: Record<string, DriftOptions>;
  /** Dataset drift when `driftedShare ≥ driftShare`. @default 0.5 */
  driftShare?: number;
}

/** Result of {@link compareDatasets}. */
export interface DatasetDriftResult {
  /** One result per reference feature. A feature missing from `current` is compared with an empty window. */
  features: Record<string, DriftResult>;
  /** Features whose status is `ok` (both sides had values). */
  comparedCount: number;
  /** Features that drifted. */
  driftedCount: number;
  /** `driftedCount / comparedCount`; NaN when nothing could be compared. */
  driftedShare: number;
  /** Threshold on `driftedShare` used. */
  driftShare: number;
  /** `driftedShare ≥ driftShare`. */
  drifted: boolean;
  /** Columns present only in `current`; not compared. */
  notInReference: string[];
}

/**
 * Run {@link detectDrift} on every reference feature and summarise: the share of drifted
 * features, and whether that share reaches `driftShare`.
 *
 * @example
 * ```ts
 * const r = compareDatasets({ age: trainAges, plan: trainPlans }, { age: ages, plan: plans });
 * r.features.age.drifted; r.driftedShare; r.drifted;
 * ```
 */
export function compareDatasets(
  reference: Record<string, FeatureInput>,
  current: Record<string, FeatureInput>,
  options: CompareDatasetsOptions = {},
): DatasetDriftResult {
  const { features: perFeature = {}, driftShare = DEFAULT_DRIFT_SHARE, ...shared } = options;
  const features: Record<string, DriftResult> = {};
  let comparedCount = 0;
  let driftedCount = 0;
  for (const name of Object.keys(reference)) {
    const cur = Object.hasOwn(current, name) ? current[name] : [];
    const result = detectDrift(reference[name], cur, { ...shared, ...(Object.hasOwn(perFeature, name) ? perFeature[name] : {}) });
    features[name] = result;
    if (result.status === 'ok') comparedCount++;
    if (result.drifted) driftedCount++;
  }
  const driftedShare = comparedCount === 0 ? Number.NaN : driftedCount / comparedCount;
  return {
    features,
    comparedCount,
    driftedCount,
    driftedShare,
    driftShare,
    drifted: comparedCount > 0 && driftedShare >= driftShare,
    notInReference: Object.keys(current).filter((name) => !Object.hasOwn(reference, name)),
  };
}
