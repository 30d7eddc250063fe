import { DEFAULT_DRIFT_SHARE, detectDrift, LOW_CARDINALITY_MAX, METHODS_BY_KIND, type CategorySummary, type DriftMethod, type DriftOptions, type DriftResult, type FeatureKind } from '@inferlens/stats';
import type { ColumnDriftSettings } from '../config.js';
import type { FeatureProfile, ProfileSource } from './feature-profile.js';
import { bucketOf, bucketUpper, emptyBucketHistogram, toSharedSummaries, type BucketHistogram } from './log-buckets.js';

/** One drift result of one column (or of the whole data set) for one window. */
export interface ColumnDrift {
  /** `feature`, `output`, `dataset` for the data-set level row, `multivariate` for the data-reconstruction row. */
  source: ProfileSource | 'dataset' | 'multivariate';
  /** Column name; `*` for the data-set level row. */
  feature: string;
  /** `numerical`, `categorical`, or `dataset`. */
  kind: string;
  /** The method that decided `drifted` (`drifted_share` for the data-set row). */
  method: string;
  statistic: number;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  /** `ok`, `empty-reference` or `empty-current`. */
  status: string;
  referenceRows: number;
  currentRows: number;
  /** Every metric of the column, as `@inferlens/stats` returns them. */
  metrics: unknown;
}

/** Options of {@link compareProfiles}. */
export interface CompareOptions {
  /** Passed to `detectDrift` for every column. */
  drift?: DriftOptions;
  /** Share of drifted input features at which the data set counts as drifted. @default 0.5 */
  driftShare?: number;
  /** Method for every numeric column. @default 'auto' */
  numericMethod?: DriftMethod;
  /** Method for every categorical column. @default 'auto' */
  categoricalMethod?: DriftMethod;
  /** Per-method thresholds. @default DEFAULT_THRESHOLDS of `@inferlens/stats` */
  thresholds?: Partial<Record<DriftMethod, number>>;
  /** Per input feature; a method that does not suit the column's kind is ignored. */
  features?: Record<string, ColumnDriftSettings>;
  /** Per output; same rules. */
  outputs?: Record<string, ColumnDriftSettings>;
}

/** The `detectDrift` options of one column: defaults, then the model's, then the column's own. */
function columnOptions(options: CompareOptions, source: ProfileSource, name: string, kind: FeatureKind): DriftOptions {
  const o: DriftOptions = { ...options.drift, kind };
  const kindMethod = kind === 'numerical' ? options.numericMethod : options.categoricalMethod;
  if (kindMethod && METHODS_BY_KIND[kind].includes(kindMethod)) o.method = kindMethod;
  if (options.thresholds) o.thresholds = { ...o.thresholds, ...options.thresholds };
  const own = (source === 'feature' ? options.features : options.outputs)?.[name];
  if (own?.method && METHODS_BY_KIND[kind].includes(own.method)) o.method = own.method;
  if (own?.threshold !== undefined) o.threshold = own.threshold;
  return o;
}

const SOURCES: ProfileSource[] = ['feature', 'output'];

/**
 * A numeric column whose reference holds at most `LOW_CARDINALITY_MAX` distinct values, as
 * category counts of both sides (the values as text), or undefined. Each bucket is labelled by the
 * one value known to lie in it (the reference's, or the window's when it has few values too);
 * a window value within 2% of a reference value shares its bucket and counts as that value.
 * Buckets of the window without a known value become categories named after their upper edge
 * (`~2.51`), unseen in the reference. Two reference values in one bucket: undefined (the column
 * keeps the numerical test).
 */
function asCategories(ref: BucketHistogram, cur: BucketHistogram, missing: { reference: number; current: number }): [CategorySummary, CategorySummary] | undefined {
  const values = ref.values;
  if (!values || values.length === 0 || values.length > LOW_CARDINALITY_MAX) return undefined;
  const labels = new Map<number, string>();
  for (const v of values) {
    if (labels.has(bucketOf(v))) return undefined;
    labels.set(bucketOf(v), String(v));
  }
  for (const v of cur.values ?? []) if (!labels.has(bucketOf(v))) labels.set(bucketOf(v), String(v));
  const side = (h: BucketHistogram, miss: number): CategorySummary => {
    const counts: Record<string, number> = {};
    for (const [id, n] of Object.entries(h.buckets)) {
      const label = labels.get(Number(id)) ?? `~${Number(bucketUpper(Number(id)).toPrecision(4))}`;
      counts[label] = (counts[label] ?? 0) + n;
    }
    return { counts, total: h.total, missing: miss };
  };
  return [side(ref, missing.reference), side(cur, missing.current)];
}

/**
 * Compares a window's profile with a reference profile, column by column: every numeric
 * and categorical input feature and output the reference knows. Columns the window lacks
 * are compared as empty (status `empty-current`). Adds one data-set row whose statistic is
 * the share of drifted input features.
 */
export function compareProfiles(reference: FeatureProfile, current: FeatureProfile, options: CompareOptions = {}): ColumnDrift[] {
  const out: ColumnDrift[] = [];
  const push = (source: ProfileSource, feature: string, r: DriftResult, extra: Record<string, unknown> = {}) =>
    out.push({
      source,
      feature,
      kind: r.kind,
      method: r.method,
      statistic: r.statistic,
      pValue: r.pValue,
      threshold: r.threshold,
      drifted: r.drifted,
      status: r.status,
      referenceRows: r.reference.count,
      currentRows: r.current.count,
      metrics: { ...r.metrics, ...extra },
    });
  for (const source of SOURCES) {
    for (const [name, ref] of Object.entries(reference.numeric[source])) {
      const cur = current.numeric[source][name] ?? emptyBucketHistogram();
      const missing = { reference: Math.max(0, reference.rows - ref.total), current: Math.max(0, current.rows - cur.total) };
      const own = columnOptions(options, source, name, 'numerical');
      // With the method left to `auto`, a handful of values is compared as categories (Evidently's rule).
      const categories = own.method === undefined ? asCategories(ref, cur, missing) : undefined;
      if (categories) {
        const r = detectDrift(categories[0], categories[1], { ...own, kind: 'categorical' });
        push(source, name, r, { lowCardinality: { referenceValues: ref.values!.length } });
        continue;
      }
      const [refSummary, curSummary] = toSharedSummaries(ref, cur, missing);
      push(source, name, detectDrift(refSummary, curSummary, own));
    }
    for (const [name, ref] of Object.entries(reference.categorical[source])) {
      const cur = current.categorical[source][name] ?? { counts: {}, total: 0 };
      const r = detectDrift(
        { counts: ref.counts, total: ref.total, missing: Math.max(0, reference.rows - ref.total) },
        { counts: cur.counts, total: cur.total, missing: Math.max(0, current.rows - cur.total) },
        columnOptions(options, source, name, 'categorical'),
      );
      push(source, name, r);
    }
  }
  const inputs = out.filter((c) => c.source === 'feature' && c.status === 'ok');
  const share = inputs.length === 0 ? 0 : inputs.filter((c) => c.drifted).length / inputs.length;
  const threshold = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  out.push({
    source: 'dataset',
    feature: '*',
    kind: 'dataset',
    method: 'drifted_share',
    statistic: share,
    pValue: null,
    threshold,
    drifted: inputs.length > 0 && share >= threshold,
    status: inputs.length > 0 ? 'ok' : 'empty-current',
    referenceRows: reference.rows,
    currentRows: current.rows,
    metrics: { driftedFeatures: inputs.filter((c) => c.drifted).map((c) => c.feature), comparedFeatures: inputs.length },
  });
  return out;
}
