import { PCA } from 'ml-pca';
import { StatsError } from './StatsError.js';
import { encodingInputOf, reconstructionEncoding, standardize } from './reconstruction-encoding.js';
import type { EncodingOptions, ReconstructionEncoding } from './reconstruction-encoding.js';

/** Share of the standardised reference's variance the kept components explain: 0.65, NannyML's default. */
export const DEFAULT_VARIANCE_SHARE = 0.65;
/** Reference chunks the bounds come from: 10, NannyML's default chunker. */
export const DEFAULT_REFERENCE_CHUNKS = 10;
/** Bounds at the chunks' mean ± this many standard deviations: 3, NannyML's `StandardDeviationThreshold`. */
export const DEFAULT_BOUND_MULTIPLIER = 3;

/** A fitted data-reconstruction model: the encoding and the principal axes kept. */
export interface ReconstructionModel {
  encoding: ReconstructionEncoding;
  /** Unit principal axes over the standardised features, largest variance first (k × d). */
  components: number[][];
  /** Share of the variance each kept component explains. */
  explainedVariance: number[];
  /** The share asked for. */
  varianceShare: number;
}

/**
 * Fits the principal axes of a standardised reference from its Gram matrix Σ z zᵀ (summed over
 * its rows, which the encoding centred): the eigenvectors of the covariance Σ z zᵀ ÷ n
 * (`ml-pca` on a covariance matrix), keeping the fewest components whose cumulative explained
 * variance exceeds `varianceShare`, as scikit-learn's `PCA(n_components=0.65)` counts them
 * (`searchsorted(cumsum, share, side='right') + 1`).
 *
 * @throws StatsError `STATS_INVALID_ARGUMENT` when the Gram matrix is not d × d or the share is not in (0, 1)
 */
export function fitReconstruction(encoding: ReconstructionEncoding, gram: readonly (readonly number[])[], options: { varianceShare?: number } = {}): ReconstructionModel {
  const d = encoding.features.length;
  const share = options.varianceShare ?? DEFAULT_VARIANCE_SHARE;
  if (!(share > 0 && share < 1)) throw new StatsError('STATS_INVALID_ARGUMENT', `varianceShare must lie in (0, 1), got ${share}.`);
  if (gram.length !== d || gram.some((r) => r.length !== d)) {
    throw new StatsError('STATS_INVALID_ARGUMENT', `The Gram matrix must be ${d} × ${d} (one row and column per feature).`);
  }
  if (d === 0 || encoding.rows === 0) return { encoding, components: [], explainedVariance: [], varianceShare: share };
  const n = encoding.rows;
  // Symmetrise: the engine sums both triangles separately.
  const covariance = gram.map((row, i) => row.map((x, j) => (x + gram[j][i]) / (2 * n)));
  const pca = new PCA(covariance, { isCovarianceMatrix: true });
  const explained = pca.getExplainedVariance();
  let cumulative = 0;
  let k = 0;
  while (k < explained.length && cumulative + explained[k] <= share) cumulative += explained[k++];
  k = Math.min(d, k + 1);
  const vectors = pca.getEigenvectors();
  const components = Array.from({ length: k }, (_, c) => Array.from({ length: d }, (_, j) => vectors.get(j, c)));
  return { encoding, components, explainedVariance: explained.slice(0, k), varianceShare: share };
}

/**
 * Euclidean distance between a standardised row and its reconstruction from the kept
 * components: ‖z − Wᵀ W z‖ (NannyML's per-row reconstruction error).
 */
export function reconstructionError(model: ReconstructionModel, z: readonly number[]): number {
  const projected = model.components.map((w) => w.reduce((s, wj, j) => s + wj * z[j], 0));
  let sum = 0;
  for (let j = 0; j < z.length; j++) {
    let r = 0;
    for (let c = 0; c < projected.length; c++) r += model.components[c][j] * projected[c];
    sum += (z[j] - r) ** 2;
  }
  return Math.sqrt(sum);
}

/** Bounds on a window's mean reconstruction error, from the reference's own chunks. */
export interface ReconstructionBounds {
  /** Mean of the chunks' mean errors. */
  mean: number;
  /** Their standard deviation (ddof 0, `np.nanstd`). */
  std: number;
  /** mean − multiplier · std, at least 0. */
  lower: number;
  /** mean + multiplier · std. */
  upper: number;
  /** The reference chunks' mean errors. */
  chunks: number[];
}

/** NannyML's `StandardDeviationThreshold` over the reference chunks' mean errors (lower bound at least 0). */
export function reconstructionBounds(chunkMeans: readonly number[], multiplier: number = DEFAULT_BOUND_MULTIPLIER): ReconstructionBounds {
  const xs = chunkMeans.filter((x) => Number.isFinite(x));
  if (xs.length === 0) return { mean: Number.NaN, std: Number.NaN, lower: Number.NaN, upper: Number.NaN, chunks: [...chunkMeans] };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, std, lower: Math.max(0, mean - multiplier * std), upper: mean + multiplier * std, chunks: [...chunkMeans] };
}

/** The chunk of row `row` of `rows` among `chunks`: ⌊row·k/n⌋, so chunk i holds rows [⌈i·n/k⌉, ⌈(i+1)·n/k⌉), sizes differing by at most one. */
export function chunkOf(row: number, rows: number, chunks: number): number {
  return Math.floor((row * chunks) / rows);
}

/** The multivariate drift of one window: its mean reconstruction error against the bounds. */
export interface MultivariateDriftResult {
  method: 'pca-reconstruction';
  /** The window's mean reconstruction error. */
  statistic: number;
  lower: number;
  upper: number;
  /** `statistic` outside [lower, upper]. Always false unless status is `ok`. */
  drifted: boolean;
  /**
   * `ok`; `empty-reference` / `empty-current` without rows; `no-residual` when the kept
   * components explain all the variance (fewer than 2 features, or the share asks for every
   * component), so no error can be measured.
   */
  status: 'ok' | 'empty-reference' | 'empty-current' | 'no-residual';
  /** Rows of the window. */
  rows: number;
  /** Standard error of the window's mean error (ddof 1 over its rows ÷ √rows), as NannyML reports it. */
  samplingError: number;
  /** Components kept and the variance they explain. */
  components: number;
  explainedVariance: number;
  /** The reference chunks' mean and standard deviation the bounds come from. */
  referenceMean: number;
  referenceStd: number;
}

/** The decision for a window from its error summary (mean, standard deviation of the rows' errors, rows). */
export function multivariateDrift(
  model: ReconstructionModel,
  bounds: ReconstructionBounds,
  window: { mean: number; std: number; rows: number },
): MultivariateDriftResult {
  const d = model.encoding.features.length;
  const status: MultivariateDriftResult['status'] =
    model.encoding.rows === 0 ? 'empty-reference' : model.components.length >= d ? 'no-residual' : window.rows === 0 ? 'empty-current' : 'ok';
  const statistic = window.rows > 0 ? window.mean : Number.NaN;
  return {
    method: 'pca-reconstruction',
    statistic,
    lower: bounds.lower,
    upper: bounds.upper,
    drifted: status === 'ok' && (statistic < bounds.lower || statistic > bounds.upper),
    status,
    rows: window.rows,
    samplingError: window.rows > 1 ? window.std / Math.sqrt(window.rows) : Number.NaN,
    components: model.components.length,
    explainedVariance: model.explainedVariance.reduce((a, b) => a + b, 0),
    referenceMean: bounds.mean,
    referenceStd: bounds.std,
  };
}

/** Mean and standard deviation (ddof 1) of per-row errors. */
function errorSummary(errors: readonly number[]): { mean: number; std: number; rows: number } {
  const n = errors.length;
  const mean = n > 0 ? errors.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const std = n > 1 ? Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  return { mean, std, rows: n };
}

/** Options of {@link reconstructionDrift}. */
export interface ReconstructionDriftOptions extends EncodingOptions {
  /** @default 0.65 */
  varianceShare?: number;
  /** Reference chunks for the bounds. @default 10 */
  chunks?: number;
  /** @default 3 */
  multiplier?: number;
  /** Features compared as categories even when they hold numbers. @default none */
  categorical?: ReadonlySet<string>;
}

/**
 * Data-reconstruction drift (NannyML) of raw rows: fits the encoding and the principal axes on
 * the reference, bounds from its own chunks (in row order), and the current rows' mean
 * reconstruction error against them. The collector runs the same steps with the Gram matrix and
 * the errors summed in ClickHouse.
 *
 * @example
 * ```ts
 * const r = reconstructionDrift(trainingRows, lastHourRows);
 * if (r.drifted) console.log(`error ${r.statistic} outside [${r.lower}, ${r.upper}]`);
 * ```
 */
export function reconstructionDrift(
  reference: ReadonlyArray<Record<string, unknown>>,
  current: ReadonlyArray<Record<string, unknown>>,
  options: ReconstructionDriftOptions = {},
): MultivariateDriftResult & { model: ReconstructionModel; bounds: ReconstructionBounds } {
  const encoding = reconstructionEncoding(encodingInputOf(reference, options.categorical), options);
  const d = encoding.features.length;
  const zs = reference.map((row) => standardize(encoding, row));
  const gram = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const z of zs) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) gram[i][j] += z[i] * z[j];
  const model = fitReconstruction(encoding, gram, options);
  const chunks = Math.max(1, Math.min(options.chunks ?? DEFAULT_REFERENCE_CHUNKS, zs.length));
  const sums = new Array<number>(chunks).fill(0);
  const counts = new Array<number>(chunks).fill(0);
  zs.forEach((z, i) => {
    const c = chunkOf(i, zs.length, chunks);
    sums[c] += reconstructionError(model, z);
    counts[c]++;
  });
  const bounds = reconstructionBounds(sums.map((s, c) => s / counts[c]), options.multiplier);
  const window = errorSummary(current.map((row) => reconstructionError(model, standardize(encoding, row))));
  return { ...multivariateDrift(model, bounds, window), model, bounds };
}
