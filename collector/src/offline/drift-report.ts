import type { DatasetDriftResult, DriftMethod, DriftResult, MultivariateDriftResult } from '@inferlens/stats';

/** Every numerical metric of one feature, as the report prints it. */
export interface NumericalMetricsReport {
  psi: number | null;
  ks: { statistic: number | null; pValue: number | null };
  wasserstein: { raw: number | null; normalized: number | null };
  jensenShannon: number | null;
  hellinger: number | null;
}

/** Every categorical metric of one feature, as the report prints it. */
export interface CategoricalMetricsReport {
  chiSquare: { statistic: number | null; dof: number; pValue: number | null };
  /** Two-proportion z-test on the share of `category` (the reference's most frequent). */
  twoProportion: { category: string | null; z: number | null; pValue: number | null };
  psi: number | null;
  jensenShannon: number | null;
  hellinger: number | null;
  /** Share of current values in categories absent from the reference. */
  unseenShare: number | null;
  /** Those categories. */
  unseenCategories: string[];
}

interface FeatureReportBase {
  /** The method that decided `drifted` (the default for the kind and reference size unless overridden). */
  method: DriftMethod;
  /** The number compared with `threshold`: a p-value for `ks` / `chi-square`, else the distance. */
  score: number | null;
  threshold: number;
  drifted: boolean;
  /** `ok`, or which side had no values (then the metrics are null and `drifted` is false). */
  status: DriftResult['status'];
  reference: { count: number; missing: number };
  current: { count: number; missing: number };
  /** Present when a numeric column was compared as categories: its reference holds this few distinct values. */
  lowCardinality?: { referenceValues: number };
}

/** One feature of the report. */
export type FeatureReport =
  | ({ name: string; kind: 'numerical' } & FeatureReportBase & { metrics: NumericalMetricsReport })
  | ({ name: string; kind: 'categorical' } & FeatureReportBase & { metrics: CategoricalMetricsReport });

/** What `inferlens drift --format json` prints. Non-finite numbers are null. */
export interface DriftReport {
  reference: { file: string; rows: number };
  current: { file: string; rows: number };
  /** One entry per feature, in the reference file's column order. */
  features: FeatureReport[];
  dataset: {
    /** Features with values on both sides. */
    comparedCount: number;
    driftedCount: number;
    /** `driftedCount / comparedCount`; null when nothing could be compared. */
    driftedShare: number | null;
    /** Threshold on `driftedShare` for dataset drift. */
    driftShare: number;
    /** `driftedShare ≥ driftShare`. */
    drifted: boolean;
  };
  /** With `--multivariate`: the data-reconstruction comparison of every feature together. */
  multivariate?: MultivariateReport;
}

/** `multivariate` of the report: PCA data reconstruction (NannyML). Non-finite numbers are null. */
export interface MultivariateReport {
  method: 'pca-reconstruction';
  /** The current rows' mean reconstruction error. */
  statistic: number | null;
  /** Bounds from 10 chunks of the reference: their mean ± 3 standard deviations (lower at least 0). */
  lower: number | null;
  upper: number | null;
  /** `statistic` outside [lower, upper]. */
  drifted: boolean;
  /** `ok`, `empty-reference`, `empty-current`, or `no-residual` (the components kept explain everything). */
  status: MultivariateDriftResult['status'];
  /** Principal components kept, and the share of the reference's variance they explain (at least 0.65). */
  components: number;
  explainedVariance: number | null;
  /** Standard error of the current mean error. */
  samplingError: number | null;
  /** The features, in the order of the standardised vector. */
  features: string[];
}

/** The CLI's `multivariate` object of a {@link MultivariateDriftResult}. */
export function multivariateReport(r: MultivariateDriftResult & { model: { encoding: { features: Array<{ name: string }> } } }): MultivariateReport {
  return {
    method: r.method,
    statistic: num(r.statistic),
    lower: num(r.lower),
    upper: num(r.upper),
    drifted: r.drifted,
    status: r.status,
    components: r.components,
    explainedVariance: num(r.explainedVariance),
    samplingError: num(r.samplingError),
    features: r.model.encoding.features.map((f) => f.name),
  };
}

// JSON has no NaN or Infinity; say so with null rather than let JSON.stringify do it silently.
const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

function featureReport(name: string, r: DriftResult): FeatureReport {
  const base: FeatureReportBase = {
    method: r.method,
    score: num(r.score),
    threshold: r.threshold,
    drifted: r.drifted,
    status: r.status,
    reference: r.reference,
    current: r.current,
    ...(r.lowCardinality ? { lowCardinality: r.lowCardinality } : {}),
  };
  if (r.kind === 'numerical') {
    const m = r.metrics;
    return {
      name,
      kind: 'numerical',
      ...base,
      metrics: {
        psi: num(m.psi),
        ks: { statistic: num(m.ks.statistic), pValue: num(m.ks.pValue) },
        wasserstein: { raw: num(m.wasserstein.distance), normalized: num(m.wasserstein.normalized) },
        jensenShannon: num(m.jensenShannon),
        hellinger: num(m.hellinger),
      },
    };
  }
  const m = r.metrics;
  return {
    name,
    kind: 'categorical',
    ...base,
    metrics: {
      chiSquare: { statistic: num(m.chiSquare.statistic), dof: m.chiSquare.degreesOfFreedom, pValue: num(m.chiSquare.pValue) },
      twoProportion: { category: m.twoProportion.category, z: num(m.twoProportion.z), pValue: num(m.twoProportion.pValue) },
      psi: num(m.psi),
      jensenShannon: num(m.jensenShannon),
      hellinger: num(m.hellinger),
      unseenShare: num(m.unseen.share),
      unseenCategories: m.unseen.categories,
    },
  };
}

/**
 * Turn a {@link DatasetDriftResult} from `@inferlens/stats` into the CLI's report: the same
 * numbers, renamed for readers and with NaN / Infinity as null. Computes nothing.
 */
export function buildDriftReport(
  result: DatasetDriftResult,
  files: { reference: { file: string; rows: number }; current: { file: string; rows: number } },
): DriftReport {
  return {
    reference: files.reference,
    current: files.current,
    features: Object.entries(result.features).map(([name, r]) => featureReport(name, r)),
    dataset: {
      comparedCount: result.comparedCount,
      driftedCount: result.driftedCount,
      driftedShare: num(result.driftedShare),
      driftShare: result.driftShare,
      drifted: result.drifted,
    },
  };
}
