/**
 * `@inferlens/stats`: drift statistics computed from raw samples or from compact, mergeable
 * summaries (fixed-bin histograms, category counts). Pure functions, no I/O; the collector's
 * jobs and offline checks use the same implementation.
 *
 * @example
 * ```ts
 * import { compareDatasets, detectDrift } from '@inferlens/stats';
 *
 * const age = detectDrift(training.age, lastHour.age);
 * if (age.drifted) console.log(`${age.method} = ${age.statistic} (threshold ${age.threshold})`);
 *
 * const all = compareDatasets({ age: training.age, plan: training.plan }, { age: lastHour.age, plan: lastHour.plan });
 * console.log(all.driftedShare, all.drifted);
 * ```
 * @packageDocumentation
 */
export { StatsError } from './StatsError.js';
export type { StatsErrorCode } from './StatsError.js';

export {
  binIndex,
  emptyNumericSummary,
  mergeNumericSummaries,
  sameEdges,
  summarizeNumeric,
  summaryMean,
  summaryStandardDeviation,
} from './numeric-summary.js';
export type { NumericSummary } from './numeric-summary.js';
export { alignCategories, mergeCategorySummaries, summarizeCategories } from './category-summary.js';
export type { AlignedCategories, CategorySummary } from './category-summary.js';
export {
  DEFAULT_BIN_COUNT,
  coarsenToReferenceQuantiles,
  equalWidthEdges,
  referenceQuantileEdges,
} from './binning.js';

export { DEFAULT_PSI_SMOOTHING, populationStabilityIndex } from './population-stability.js';
export type { PsiOptions } from './population-stability.js';
export { jensenShannonDistance } from './jensen-shannon.js';
export type { JensenShannonOptions } from './jensen-shannon.js';
export { hellingerDistance } from './hellinger.js';
export { KS_EXACT_MAX_N, ksFromSummaries, ksPValue, ksTwoSample } from './kolmogorov-smirnov.js';
export type { KsMethod, KsOptions, KsResult } from './kolmogorov-smirnov.js';
export { wassersteinDistance, wassersteinFromSummaries } from './wasserstein.js';
export type { WassersteinResult } from './wasserstein.js';
export { chiSquareTest } from './chi-square.js';
export type { ChiSquareResult } from './chi-square.js';
export { unseenCategoryShare } from './unseen-categories.js';
export type { UnseenCategories } from './unseen-categories.js';
export { chiSquareSurvival, kolmogorovSurvival } from './distributions.js';

export {
  DEFAULT_SMALL_REFERENCE_MAX,
  DEFAULT_THRESHOLDS,
  LOW_CARDINALITY_MAX,
  METHODS_BY_KIND,
  P_VALUE_METHODS,
  defaultDriftMethod,
} from './drift-defaults.js';
export type { DriftMethod, FeatureKind } from './drift-defaults.js';
export { detectDrift } from './detect-drift.js';
export type {
  CategoricalDriftMetrics,
  DriftOptions,
  DriftResult,
  FeatureInput,
  FeatureValues,
  NumericalDriftMetrics,
  SideCounts,
  TwoProportionDrift,
} from './detect-drift.js';
export { DEFAULT_DRIFT_SHARE, compareDatasets } from './compare-datasets.js';
export type { CompareDatasetsOptions, DatasetDriftResult } from './compare-datasets.js';

export {
  DEFAULT_MAX_CATEGORIES,
  encodingInputOf,
  reconstructionEncoding,
  standardize,
} from './reconstruction-encoding.js';
export type { EncodingInput, EncodingOptions, ReconstructionEncoding, ReconstructionFeature } from './reconstruction-encoding.js';
export {
  DEFAULT_BOUND_MULTIPLIER,
  DEFAULT_REFERENCE_CHUNKS,
  DEFAULT_VARIANCE_SHARE,
  chunkOf,
  fitReconstruction,
  multivariateDrift,
  reconstructionBounds,
  reconstructionDrift,
  reconstructionError,
} from './pca-reconstruction.js';
export type { MultivariateDriftResult, ReconstructionBounds, ReconstructionDriftOptions, ReconstructionModel } from './pca-reconstruction.js';

export { benjaminiHochberg } from './false-discovery.js';
export { centroidDistances, mmdTest } from './embedding-drift.js';
export type { CentroidDistances, MmdOptions, MmdResult } from './embedding-drift.js';
export { calibrate, CBPE_METRICS, estimatePerformance, fitCbpe, fitIsotonicCalibrator, samplingErrorComponents } from './cbpe.js';
export type {
  CalibrationGroup,
  CbpeMetric,
  CbpeModel,
  CbpeReferenceRow,
  EstimatedMetric,
  EstimatedPerformance,
  IsotonicCalibrator,
  PredictionGroup,
  SamplingErrorComponents,
} from './cbpe.js';
export type { FalseDiscoveryResult } from './false-discovery.js';

export { burnRate, errorBudgetRemaining } from './error-budget.js';
export {
  LOG_LOSS_EPS,
  classificationFromConfusion,
  logLossFromGroups,
  rocAucFromGroups,
} from './classification-metrics.js';
export type { ClassMetrics, ClassificationMetrics, ConfusionCell, ScoreGroup } from './classification-metrics.js';
export { regressionFromSums, summarizeRegression } from './regression-metrics.js';
export type { RegressionMetrics, RegressionSums } from './regression-metrics.js';

export { mannWhitneyFromSums, mannWhitneySumsFromGroups, mannWhitneyU } from './mann-whitney.js';
export type { MannWhitneyResult, MannWhitneySums, ValueGroup } from './mann-whitney.js';
export { twoProportionZTest } from './two-proportion.js';
export type { Proportion, TwoProportionResult } from './two-proportion.js';
export { meanDifference, rmseDifference } from './mean-difference.js';
export type { EstimateDifference, MomentSums, SquaredErrorSums } from './mean-difference.js';
export { aucDifference, aucWithDeLongError } from './delong.js';
export type { AucWithError } from './delong.js';
export { logLossSumsFromGroups } from './classification-metrics.js';
export { DEFAULT_ALPHA, overallVerdict, verdictOf } from './verdict.js';
export type { Verdict } from './verdict.js';
