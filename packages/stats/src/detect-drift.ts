import { StatsError } from './StatsError.js';
import { DEFAULT_BIN_COUNT, coarsenToReferenceQuantiles, referenceQuantileEdges } from './binning.js';
import { alignCategories, summarizeCategories } from './category-summary.js';
import type { CategorySummary } from './category-summary.js';
import { chiSquareTest } from './chi-square.js';
import type { ChiSquareResult } from './chi-square.js';
import { DEFAULT_THRESHOLDS, METHODS_BY_KIND, P_VALUE_METHODS, defaultDriftMethod } from './drift-defaults.js';
import type { DriftMethod, FeatureKind } from './drift-defaults.js';
import { hellingerDistance } from './hellinger.js';
import { jensenShannonDistance } from './jensen-shannon.js';
import { ksFromSummaries, ksTwoSample } from './kolmogorov-smirnov.js';
import type { KsMethod, KsResult } from './kolmogorov-smirnov.js';
import { summarizeNumeric } from './numeric-summary.js';
import type { NumericSummary } from './numeric-summary.js';
import { DEFAULT_PSI_SMOOTHING, populationStabilityIndex } from './population-stability.js';
import { unseenCategoryShare } from './unseen-categories.js';
import type { UnseenCategories } from './unseen-categories.js';
import { wassersteinDistance, wassersteinFromSummaries } from './wasserstein.js';
import type { WassersteinResult } from './wasserstein.js';
import { isMissingValue } from './internal/missing.js';

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

/** Every categorical metric. */
export interface CategoricalDriftMetrics {
  chiSquare: ChiSquareResult;
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
  /** The method's statistic: KS D, chi-square X², or the distance (normalised for Wasserstein). */
  statistic: number;
  /** p-value for `ks` and `chi-square`, otherwise null. */
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
    psi: populationStabilityIndex(aligned.reference, aligned.current, { smoothing: options.psiSmoothing ?? DEFAULT_PSI_SMOOTHING }),
    jensenShannon: jensenShannonDistance(aligned.reference, aligned.current),
    hellinger: hellingerDistance(aligned.reference, aligned.current),
    unseen: unseenCategoryShare(ref, cur),
  };
  return { metrics, ref: { count: ref.total, missing: ref.missing }, cur: { count: cur.total, missing: cur.missing } };
}

function pick(method: DriftMethod, m: NumericalDriftMetrics | CategoricalDriftMetrics): [number, number | null] {
  if ('ks' in m) {
    if (method === 'ks') return [m.ks.statistic, m.ks.pValue];
    if (method === 'wasserstein') return [m.wasserstein.normalized, null];
  } else if (method === 'chi-square') return [m.chiSquare.statistic, m.chiSquare.pValue];
  if (method === 'psi') return [m.psi, null];
  if (method === 'jensen-shannon') return [m.jensenShannon, null];
  return [m.hellinger, null];
}

/**
 * Compare one feature's current window with its reference and say whether it drifted.
 * Computes every metric of the feature's kind, then decides with one method.
 *
 * Numbers: from raw samples, KS and Wasserstein are exact and PSI / Jensen–Shannon / Hellinger
 * use reference-decile bins; from {@link NumericSummary} histograms (same edges on both sides),
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
  const kind = options.kind ?? inferKind(reference, current);
  const computed = kind === 'numerical' ? numericalMetrics(reference, current, options) : categoricalMetrics(reference, current, options);
  const requested = options.method ?? 'auto';
  const method =
    requested === 'auto' ? defaultDriftMethod(kind, computed.ref.count, options.smallReferenceMax) : requested;
  if (!METHODS_BY_KIND[kind].includes(method)) {
    throw new StatsError('STATS_METHOD_NOT_APPLICABLE', `Method '${method}' does not apply to ${kind} features; use one of ${METHODS_BY_KIND[kind].join(', ')}.`);
  }
  const threshold = options.threshold ?? options.thresholds?.[method] ?? DEFAULT_THRESHOLDS[method];
  const [statistic, pValue] = pick(method, computed.metrics);
  const isTest = P_VALUE_METHODS.includes(method);
  const score = isTest ? (pValue as number) : statistic;
  const status = computed.ref.count === 0 ? 'empty-reference' : computed.cur.count === 0 ? 'empty-current' : 'ok';
  const drifted = status === 'ok' && (isTest ? score < threshold : score >= threshold);
  const base = { method, statistic, pValue, score, threshold, drifted, status, reference: computed.ref, current: computed.cur } as const;
  return kind === 'numerical'
    ? { kind, ...base, metrics: computed.metrics as NumericalDriftMetrics }
    : { kind, ...base, metrics: computed.metrics as CategoricalDriftMetrics };
}
