import { StatsError } from './StatsError.js';
import { DEFAULT_BIN_COUNT, coarsenToReferenceQuantiles, referenceQuantileEdges } from './binning.js';
import { alignCategories, summarizeCategories } from './category-summary.js';
import type { CategorySummary } from './category-summary.js';
import { chiSquareTest } from './chi-square.js';
import type { ChiSquareResult } from './chi-square.js';
import { DEFAULT_THRESHOLDS, LOW_CARDINALITY_MAX, METHODS_BY_KIND, P_VALUE_METHODS, defaultDriftMethod } from './drift-defaults.js';
import type { DriftMethod, FeatureKind } from './drift-defaults.js';
import { hellingerDistance } from './hellinger.js';
import { jensenShannonDistance } from './jensen-shannon.js';
import { ksFromSummaries, ksTwoSample } from './kolmogorov-smirnov.js';
import type { KsMethod, KsResult } from './kolmogorov-smirnov.js';
import { summarizeNumeric } from './numeric-summary.js';
import type { NumericSummary } from './numeric-summary.js';
import { DEFAULT_PSI_SMOOTHING, populationStabilityIndex } from './population-stability.js';
import { twoProportionZTest } from './two-proportion.js';
import { unseenCategoryShare } from './unseen-categories.js';
import type { UnseenCategories } from './unseen-categories.js';
import { wassersteinDistance, wassersteinFromSummaries } from './wasserstein.js';
import type { WassersteinResult } from './wasserstein.js';
import { isMissingNumber, isMissingValue } from './internal/missing.js';

/** Raw values of one feature; null, undefined and NaN count as missing. */
export type FeatureValues = readonly (number | string | boolean | null | undefined)[];

/** What {@link detectDrift} accepts for one side: raw values or a summary. */
export type FeatureInput = FeatureValues | NumericSummary | CategorySummary;

/** Options of {@link detectDrift}. Every field is optional. */
export interface DriftOptions {
  /** Feature kind. @default inferred: summaries by shape; raw values are categorical if any non-missing value is not a number. */
  kind?: FeatureKind;
  /** Method that decides `drifted`. @default 'auto' (see {@link defaultDriftMethod}) */
  method?: DriftMethod | 'auto';
  /** Threshold for the chosen method. @default DEFAULT_THRESHOLDS[method] */
  threshold?: number;
  /** Per-method thresholds, used when `threshold` is not given. @default DEFAULT_THRESHOLDS */
  thresholds?: Partial<Record<DriftMethod, number>>;
  /** Reference size up to which `auto` picks a test rather than a distance. @default 1000 */
  smallReferenceMax?: number;
  /** Reference-quantile bins for PSI, Jensen–Shannon and Hellinger on numbers. @default 10 */
  bins?: number;
  /** Pseudo-count per bin for PSI. @default 1 */
  psiSmoothing?: number;
  /** KS p-value method. @default 'auto' (exact when max(n₁, n₂) ≤ 10 000) */
  ksMethod?: KsMethod;
  /**
   * With `method: 'auto'`, raw numbers whose reference holds at most this many distinct values
   * are compared as categories (see {@link LOW_CARDINALITY_MAX}); 0 turns this off.
   * @default 5
   */
  lowCardinalityMax?: number;
}

/** Every numerical metric. */
export interface NumericalDriftMetrics {
  ks: KsResult;
  wasserstein: WassersteinResult;
  psi: number;
  jensenShannon: number;
  hellinger: number;
  /** Number of reference-quantile bins PSI, Jensen–Shannon and Hellinger used. */
  bins: number;
}

/**
 * The two-proportion z-test of a categorical feature: the share of one category (the
 * reference's most frequent) in the reference and in the current window.
 */
export interface TwoProportionDrift {
  /** The category whose share is compared; null when both sides are empty. */
  category: string | null;
  /** Its share in the reference. */
  reference: number;
  /** Its share in the current window. */
  current: number;
  /** Pooled z, positive when the current share is larger. */
  z: number;
  /** Two-sided p-value. */
  pValue: number;
}

/** Every categorical metric. */
export interface CategoricalDriftMetrics {
  chiSquare: ChiSquareResult;
  twoProportion: TwoProportionDrift;
  psi: number;
  jensenShannon: number;
  hellinger: number;
  unseen: UnseenCategories;
}

/** Value counts of one side. */
export interface SideCounts {
  /** Non-missing values. */
  count: number;
  /** Missing values. */
  missing: number;
}

interface DriftResultBase {
  /** Method that decided `drifted`. */
  method: DriftMethod;
  /** The method's statistic: KS D, chi-square X², the two-proportion z, or the distance (normalised for Wasserstein). */
  statistic: number;
  /** p-value for `ks`, `chi-square` and `two-proportion-z`, otherwise null. */
  pValue: number | null;
  /** The number compared with `threshold`: `pValue` for tests, `statistic` for distances. */
  score: number;
  /** Threshold used. */
  threshold: number;
  /** Tests: `score < threshold`. Distances: `score ≥ threshold`. Always false unless status is `ok`. */
  drifted: boolean;
  /** `ok`, or which side had no non-missing values (then metrics are NaN). */
  status: 'ok' | 'empty-reference' | 'empty-current';
  reference: SideCounts;
  current: SideCounts;
  /**
   * Present when raw numbers were compared as categories because the reference holds at most
   * `lowCardinalityMax` distinct values (then `kind` is `categorical`).
   */
  lowCardinality?: { referenceValues: number };
}

/** Result of {@link detectDrift}. NaN fields serialise to `null` in JSON. */
export type DriftResult =
  | (DriftResultBase & { kind: 'numerical'; metrics: NumericalDriftMetrics })
  | (DriftResultBase & { kind: 'categorical'; metrics: CategoricalDriftMetrics });

const isNumericSummary = (x: FeatureInput): x is NumericSummary => !Array.isArray(x) && 'edges' in x;
const isCategorySummary = (x: FeatureInput): x is CategorySummary =>
  !Array.isArray(x) && !('edges' in x) && 'counts' in x;

function inferKind(reference: FeatureInput, current: FeatureInput): FeatureKind {
  if (isNumericSummary(reference) || isNumericSummary(current)) return 'numerical';
  if (isCategorySummary(reference) || isCategorySummary(current)) return 'categorical';
  for (const side of [reference, current] as FeatureValues[]) {
    for (const v of side) if (!isMissingValue(v) && typeof v !== 'number') return 'categorical';
  }
  return 'numerical';
}

function numericalMetrics(reference: FeatureInput, current: FeatureInput, options: DriftOptions) {
  const bins = options.bins ?? DEFAULT_BIN_COUNT;
  const ksOptions = { method: options.ksMethod ?? 'auto' };
  if (isCategorySummary(reference) || isCategorySummary(current)) {
    throw new StatsError('STATS_INVALID_ARGUMENT', 'A numerical feature needs raw numbers or NumericSummary inputs.');
  }
  let ref: NumericSummary;
  let cur: NumericSummary;
  let ks: KsResult;
  let wasserstein: WassersteinResult;
  if (!isNumericSummary(reference) && !isNumericSummary(current)) {
    const a = reference as readonly number[];
    const b = current as readonly number[];
    const edges = referenceQuantileEdges(a, bins);
    ref = summarizeNumeric(a, edges);
    cur = summarizeNumeric(b, edges);
    ks = ksTwoSample(a, b, ksOptions);
    wasserstein = wassersteinDistance(a, b);
  } else {
    ref = isNumericSummary(reference) ? reference : summarizeNumeric(reference as readonly number[], (current as NumericSummary).edges);
    cur = isNumericSummary(current) ? current : summarizeNumeric(current as readonly number[], ref.edges);
    ks = ksFromSummaries(ref, cur, ksOptions);
    wasserstein = wassersteinFromSummaries(ref, cur);
    ({ reference: ref, current: cur } = coarsenToReferenceQuantiles(ref, cur, bins));
  }
  const metrics: NumericalDriftMetrics = {
    ks,
    wasserstein,
    psi: populationStabilityIndex(ref.counts, cur.counts, { smoothing: options.psiSmoothing ?? DEFAULT_PSI_SMOOTHING }),
    jensenShannon: jensenShannonDistance(ref.counts, cur.counts),
    hellinger: hellingerDistance(ref.counts, cur.counts),
    bins: ref.counts.length,
  };
  return { metrics, ref: { count: ref.total, missing: ref.missing }, cur: { count: cur.total, missing: cur.missing } };
}

function categoricalMetrics(reference: FeatureInput, current: FeatureInput, options: DriftOptions) {
  if (isNumericSummary(reference) || isNumericSummary(current)) {
    throw new StatsError('STATS_INVALID_ARGUMENT', 'A categorical feature needs raw values or CategorySummary inputs.');
  }
  const ref = isCategorySummary(reference) ? reference : summarizeCategories(reference as FeatureValues);
  const cur = isCategorySummary(current) ? current : summarizeCategories(current as FeatureValues);
  const aligned = alignCategories(ref, cur);
  const metrics: CategoricalDriftMetrics = {
    chiSquare: chiSquareTest(aligned.reference, aligned.current),
    twoProportion: twoProportionOf(aligned.categories, aligned.reference, aligned.current),
    psi: populationStabilityIndex(aligned.reference, aligned.current, { smoothing: options.psiSmoothing ?? DEFAULT_PSI_SMOOTHING }),
    jensenShannon: jensenShannonDistance(aligned.reference, aligned.current),
    hellinger: hellingerDistance(aligned.reference, aligned.current),
    unseen: unseenCategoryShare(ref, cur),
  };
  return { metrics, ref: { count: ref.total, missing: ref.missing }, cur: { count: cur.total, missing: cur.missing }, categories: aligned.categories.length };
}

function twoProportionOf(categories: readonly string[], reference: readonly number[], current: readonly number[]): TwoProportionDrift {
  const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  if (categories.length === 0) return { category: null, reference: Number.NaN, current: Number.NaN, z: Number.NaN, pValue: Number.NaN };
  const t = twoProportionZTest({ successes: reference[0], trials: total(reference) }, { successes: current[0], trials: total(current) });
  return { category: categories[0], reference: t.a, current: t.b, z: t.z, pValue: t.pValue };
}

/**
 * The number of distinct values of a raw numeric reference when it is between 1 and `max`
 * (the feature is then compared as categories), else undefined.
 */
function lowCardinalityOf(reference: FeatureInput, current: FeatureInput, max: number): number | undefined {
  if (max < 1 || !Array.isArray(reference) || !Array.isArray(current)) return undefined;
  const distinct = new Set<number>();
  for (const v of reference as FeatureValues) {
    if (isMissingNumber(v)) continue;
    distinct.add(v as number);
    if (distinct.size > max) return undefined;
  }
  return distinct.size > 0 ? distinct.size : undefined;
}

/** Numbers as category labels; what is missing for a number stays missing. */
const asLabels = (values: FeatureValues): FeatureValues => values.map((v) => (isMissingNumber(v) ? null : String(v)));

function pick(method: DriftMethod, m: NumericalDriftMetrics | CategoricalDriftMetrics): [number, number | null] {
  if ('ks' in m) {
    if (method === 'ks') return [m.ks.statistic, m.ks.pValue];
    if (method === 'wasserstein') return [m.wasserstein.normalized, null];
  } else if (method === 'chi-square') return [m.chiSquare.statistic, m.chiSquare.pValue];
  else if (method === 'two-proportion-z') return [m.twoProportion.z, m.twoProportion.pValue];
  if (method === 'psi') return [m.psi, null];
  if (method === 'jensen-shannon') return [m.jensenShannon, null];
  return [m.hellinger, null];
}

/**
 * Compare one feature's current window with its reference and say whether it drifted.
 * Computes every metric of the feature's kind, then decides with one method.
 *
 * Numbers: raw numbers whose reference holds at most 5 distinct values are compared as
 * categories when the method is `auto` (as Evidently; `lowCardinality` says so). Otherwise, from
 * raw samples, KS and Wasserstein are exact and PSI / Jensen–Shannon / Hellinger use
 * reference-decile bins; from {@link NumericSummary} histograms (same edges on both sides),
 * KS and Wasserstein are approximations with stated bounds and the fine bins are merged into
 * reference-decile bins first. Categories: raw values or {@link CategorySummary}s.
 *
 * Never throws on data (empty sides give `status` ≠ `ok` and `drifted: false`); throws
 * `StatsError` on contradictory inputs or options.
 *
 * @example
 * ```ts
 * const r = detectDrift(training.age, lastHour.age);
 * // { kind: 'numerical', method: 'wasserstein', statistic: 0.21, threshold: 0.1, drifted: true, ... }
 * ```
 */
export function detectDrift(reference: FeatureInput, current: FeatureInput, options: DriftOptions = {}): DriftResult {
  const requested = options.method ?? 'auto';
  let kind = options.kind ?? inferKind(reference, current);
  const lowCardinality =
    kind === 'numerical' && requested === 'auto' ? lowCardinalityOf(reference, current, options.lowCardinalityMax ?? LOW_CARDINALITY_MAX) : undefined;
  if (lowCardinality !== undefined) {
    kind = 'categorical';
    reference = asLabels(reference as FeatureValues);
    current = asLabels(current as FeatureValues);
  }
  const computed = kind === 'numerical' ? numericalMetrics(reference, current, options) : categoricalMetrics(reference, current, options);
  const categories = 'categories' in computed ? computed.categories : undefined;
  const method =
    requested === 'auto' ? defaultDriftMethod(kind, computed.ref.count, options.smallReferenceMax, categories) : requested;
  if (!METHODS_BY_KIND[kind].includes(method)) {
    throw new StatsError('STATS_METHOD_NOT_APPLICABLE', `Method '${method}' does not apply to ${kind} features; use one of ${METHODS_BY_KIND[kind].join(', ')}.`);
  }
  const threshold = options.threshold ?? options.thresholds?.[method] ?? DEFAULT_THRESHOLDS[method];
  const [statistic, pValue] = pick(method, computed.metrics);
  const isTest = P_VALUE_METHODS.includes(method);
  const score = isTest ? (pValue as number) : statistic;
  const status = computed.ref.count === 0 ? 'empty-reference' : computed.cur.count === 0 ? 'empty-current' : 'ok';
  const drifted = status === 'ok' && (isTest ? score < threshold : score >= threshold);
  const base: DriftResultBase = {
    method, statistic, pValue, score, threshold, drifted, status, reference: computed.ref, current: computed.cur,
    ...(lowCardinality !== undefined ? { lowCardinality: { referenceValues: lowCardinality } } : {}),
  };
  return kind === 'numerical'
    ? { kind, ...base, metrics: computed.metrics as NumericalDriftMetrics }
    : { kind, ...base, metrics: computed.metrics as CategoricalDriftMetrics };
}
