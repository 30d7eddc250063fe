import {
  DEFAULT_BOUND_MULTIPLIER,
  DEFAULT_REFERENCE_CHUNKS,
  DEFAULT_VARIANCE_SHARE,
  fitReconstruction,
  multivariateDrift,
  reconstructionBounds,
  type MultivariateDriftResult,
  reconstructionEncoding,
  type ReconstructionBounds,
  type ReconstructionModel,
} from '@inferlens/stats';
import type { MultivariateConfig } from '../config.js';
import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import type { MillisRange, PredictionScope } from '../store/repositories/predictions.js';
import {
  referenceChunkErrors,
  referenceGram,
  referenceSegmentChunkErrors,
  windowReconstructionErrors,
  windowSegmentReconstructionErrors,
  type ReferenceRows,
} from '../store/repositories/reconstruction-errors.js';
import type { SegmentGrouping } from '../store/repositories/segments.js';
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
  /** Reference chunks the bounds come from, and their multiplier (the settings the fit used). */
  chunks: number;
  multiplier: number;
}

/** The bounds of one segment: from the reference's rows of that segment, under the whole reference's model. */
export interface SegmentReconstructionBounds {
  bounds: ReconstructionBounds;
  /** The reference's rows of the segment. */
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
  const multiplier = settings?.multiplier ?? DEFAULT_BOUND_MULTIPLIER;
  const means = n > 0 && model.components.length > 0 ? await referenceChunkErrors(store, rows, model, chunks) : [];
  return { model, bounds: reconstructionBounds(means, multiplier), rows: n, chunks, multiplier };
}

/**
 * The bounds of each segment of `grouping` from the reference's own rows of that segment: the
 * model stays the one fitted on the whole reference (one set of axes, so the segments' errors and
 * the whole window's are measured alike), the segment's rows are cut into the same number of
 * chunks as the whole reference's, in the same order, and the bounds are their chunk means' mean ±
 * multiplier · standard deviation. A segment with fewer reference rows than chunks (some chunk
 * would be empty) or none gets no bounds, hence no multivariate result: the whole reference's
 * bounds would measure its size and its population, not its drift. One aggregation over the
 * reference's rows, which must have the grouping's column.
 */
export async function fitSegmentBounds(
  store: ClickHouseStore,
  rows: ReferenceRows,
  fitted: FittedReconstruction,
  grouping: SegmentGrouping,
): Promise<Map<string, SegmentReconstructionBounds>> {
  if (fitted.rows === 0 || fitted.model.components.length === 0) return new Map();
  const groups = await referenceSegmentChunkErrors(store, rows, fitted.model, fitted.chunks, grouping);
  const out = new Map<string, SegmentReconstructionBounds>();
  for (const [segment, g] of groups) {
    // The fewest reference rows that give a segment bounds: one per chunk, so every chunk has a mean.
    if (g.rows >= fitted.chunks) out.set(segment, { bounds: reconstructionBounds(g.chunks, fitted.multiplier), rows: g.rows });
  }
  return out;
}

/**
 * The `source: multivariate` row of a window and of each of its segments that has bounds (see
 * {@link fitSegmentBounds}), in one pass over the window's rows: each row's error is computed once,
 * so the segments add little to the whole window's read.
 */
export async function multivariateWindowAndSegments(
  store: ClickHouseStore,
  fitted: FittedReconstruction,
  bounds: ReadonlyMap<string, SegmentReconstructionBounds>,
  scope: PredictionScope,
  range: MillisRange,
  grouping: SegmentGrouping,
): Promise<{ overall: ColumnDrift; segments: Map<string, ColumnDrift> }> {
  if (bounds.size === 0 || fitted.model.components.length === 0) return { overall: await multivariateWindow(store, fitted, scope, range), segments: new Map() };
  const windows = await windowSegmentReconstructionErrors(store, scope, range, fitted.model, grouping);
  const segments = new Map<string, ColumnDrift>();
  for (const [segment, b] of bounds) {
    const window = windows.segments.get(segment);
    if (window && window.rows > 0) segments.set(segment, driftRow(fitted, b.bounds, b.rows, multivariateDrift(fitted.model, b.bounds, window)));
  }
  return { overall: driftRow(fitted, fitted.bounds, fitted.rows, multivariateDrift(fitted.model, fitted.bounds, windows.overall)), segments };
}

/** The `source: multivariate` row of one window. */
export async function multivariateWindow(store: ClickHouseStore, fitted: FittedReconstruction, scope: PredictionScope, range: MillisRange): Promise<ColumnDrift> {
  const window = fitted.model.components.length > 0 ? await windowReconstructionErrors(store, scope, range, fitted.model) : { rows: 0, mean: Number.NaN, std: Number.NaN };
  return driftRow(fitted, fitted.bounds, fitted.rows, multivariateDrift(fitted.model, fitted.bounds, window));
}

function driftRow(fitted: FittedReconstruction, bounds: ReconstructionBounds, referenceRows: number, r: MultivariateDriftResult): ColumnDrift {
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
    referenceRows,
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
      referenceChunks: bounds.chunks,
      features: fitted.model.encoding.features.map((f) => f.name),
    },
  };
}
