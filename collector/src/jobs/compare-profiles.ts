import { DEFAULT_DRIFT_SHARE, detectDrift, METHODS_BY_KIND, type DriftMethod, type DriftOptions, type DriftResult, type FeatureKind } from '@inferlens/stats';
import type { ColumnDriftSettings } from '../config.js';
import type { FeatureProfile, ProfileSource } from './feature-profile.js';
import { emptyBucketHistogram, toSharedSummaries } from './log-buckets.js';

/** One drift result of one column (or of the whole data set) for one window. */
export interface ColumnDrift {
  /** `feature`, `output`, or `dataset` for the data-set level row. */
  source: ProfileSource | 'dataset';
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
 * Compares a window's profile with a reference profile, column by column: every numeric
 * and categorical input feature and output the reference knows. Columns the window lacks
 * are compared as empty (status `empty-current`). Adds one data-set row whose statistic is
 * the share of drifted input features.
 */
export function compareProfiles(reference: FeatureProfile, current: FeatureProfile, options: CompareOptions = {}): ColumnDrift[] {
  const out: ColumnDrift[] = [];
  const push = (source: ProfileSource, feature: string, r: DriftResult) =>
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
      metrics: r.metrics,
    });
  for (const source of SOURCES) {
    for (const [name, ref] of Object.entries(reference.numeric[source])) {
      const cur = current.numeric[source][name] ?? emptyBucketHistogram();
      const [refSummary, curSummary] = toSharedSummaries(ref, cur, {
        reference: Math.max(0, reference.rows - ref.total),
        current: Math.max(0, current.rows - cur.total),
      });
      push(source, name, detectDrift(refSummary, curSummary, columnOptions(options, source, name, 'numerical')));
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
