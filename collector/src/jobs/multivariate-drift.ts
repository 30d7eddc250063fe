import {
  DEFAULT_BOUND_MULTIPLIER,
  DEFAULT_REFERENCE_CHUNKS,
  DEFAULT_VARIANCE_SHARE,
  fitReconstruction,
  multivariateDrift,
  reconstructionBounds,
  reconstructionEncoding,
  type ReconstructionBounds,
  type ReconstructionModel,
} from '@inferlens/stats';
import type { MultivariateConfig } from '../config.js';
import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import type { MillisRange, PredictionScope } from '../store/repositories/predictions.js';
import { referenceChunkErrors, referenceGram, windowReconstructionErrors, type ReferenceRows } from '../store/repositories/reconstruction-errors.js';
import type { ColumnDrift } from './compare-profiles.js';
import type { FeatureProfile } from './feature-profile.js';

/** Input features used when the configuration names none: the first this many by name (numeric, then categorical). */
export const MAX_MULTIVARIATE_FEATURES = 100;

/** A reference's fitted data-reconstruction model and the bounds from its own chunks. */
export interface FittedReconstruction {
  model: ReconstructionModel;
  bounds: ReconstructionBounds;
  /** Rows of the reference the fit used. */
  rows: number;
}

/** The features a model's multivariate drift uses: the configured ones the reference has, else every input feature (capped). */
export function multivariateFeatures(profile: FeatureProfile, settings: MultivariateConfig | undefined): string[] {
  const known = (f: string) => f in profile.numeric.feature || f in profile.categorical.feature;
  if (settings?.features) return settings.features.filter(known);
  const numeric = Object.keys(profile.numeric.feature).sort();
  const categorical = Object.keys(profile.categorical.feature).filter((f) => !(f in profile.numeric.feature)).sort();
  return [...numeric, ...categorical].slice(0, MAX_MULTIVARIATE_FEATURES);
}

/**
 * Fits a reference's model, or undefined when multivariate drift is off or the reference has
 * fewer than two input features. The encoding comes from the stored profile (moments and category
 * counts), the Gram matrix and the chunks' errors from one aggregation each over the reference's
 * rows in ClickHouse; `@inferlens/stats` finds the components and the bounds.
 */
export async function fitReferenceReconstruction(
  store: ClickHouseStore,
  rows: ReferenceRows,
  profile: FeatureProfile,
  settings: MultivariateConfig | undefined,
): Promise<FittedReconstruction | undefined> {
  if (settings?.enabled === false) return undefined;
  const features = multivariateFeatures(profile, settings);
  if (features.length < 2) return undefined;
  const input = {
    rows: profile.rows,
    numeric: Object.fromEntries(Object.entries(profile.numeric.feature).map(([k, h]) => [k, { count: h.total, sum: h.sum, sumSq: h.sumSq }])),
    categorical: Object.fromEntries(Object.entries(profile.categorical.feature).map(([k, c]) => [k, { counts: c.counts }])),
  };
  const encoding = reconstructionEncoding(input, { features });
  const { rows: n, gram } = await referenceGram(store, rows, encoding);
  // A pinned range whose predictions have since expired has fewer (or no) rows than its profile.
  const model = fitReconstruction({ ...encoding, rows: n }, gram, { varianceShare: settings?.varianceShare ?? DEFAULT_VARIANCE_SHARE });
  const chunks = settings?.chunks ?? DEFAULT_REFERENCE_CHUNKS;
  const means = n > 0 && model.components.length > 0 ? await referenceChunkErrors(store, rows, model, chunks) : [];
  return { model, bounds: reconstructionBounds(means, settings?.multiplier ?? DEFAULT_BOUND_MULTIPLIER), rows: n };
}

/** The `source: multivariate` row of one window. */
export async function multivariateWindow(store: ClickHouseStore, fitted: FittedReconstruction, scope: PredictionScope, range: MillisRange): Promise<ColumnDrift> {
  const window = fitted.model.components.length > 0 ? await windowReconstructionErrors(store, scope, range, fitted.model) : { rows: 0, mean: Number.NaN, std: Number.NaN };
  const r = multivariateDrift(fitted.model, fitted.bounds, window);
  return {
    source: 'multivariate',
    feature: '*',
    kind: 'multivariate',
    method: r.method,
    statistic: r.statistic,
    pValue: null,
    threshold: r.upper,
    drifted: r.drifted,
    status: r.status,
    referenceRows: fitted.rows,
    currentRows: r.rows,
    metrics: {
      lower: r.lower,
      upper: r.upper,
      samplingError: r.samplingError,
      components: r.components,
      explainedVariance: r.explainedVariance,
      varianceShare: fitted.model.varianceShare,
      referenceMean: r.referenceMean,
      referenceStd: r.referenceStd,
      referenceChunks: fitted.bounds.chunks,
      features: fitted.model.encoding.features.map((f) => f.name),
    },
  };
}
