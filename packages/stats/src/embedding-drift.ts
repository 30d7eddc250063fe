import { StatsError } from './StatsError.js';

/**
 * Drift of embeddings (vectors of one dimension): distances between the centroids of the
 * reference and the window, as Arize and Phoenix report them, and the maximum mean discrepancy
 * with a permutation test, as Alibi Detect's `MMDDrift` and Evidently's `mmd` do.
 */

/** Euclidean distance and cosine distance (1 − cosine similarity) between two centroids. */
export interface CentroidDistances {
  euclidean: number;
  cosine: number;
}

function checkDimension(a: readonly number[], b: readonly number[], what: string): void {
  if (a.length !== b.length) throw new StatsError('STATS_INVALID_ARGUMENT', `${what}: vectors of ${a.length} and ${b.length} dimensions.`);
  if (a.length === 0) throw new StatsError('STATS_INVALID_ARGUMENT', `${what}: empty vectors.`);
}

/**
 * Distances between two centroids (`scipy.spatial.distance.euclidean` and `.cosine`). The
 * cosine distance of a zero vector is NaN.
 *
 * @example centroidDistances([1, 0], [0, 1]) // { euclidean: √2, cosine: 1 }
 */
export function centroidDistances(reference: readonly number[], current: readonly number[]): CentroidDistances {
  checkDimension(reference, current, 'centroidDistances');
  let sq = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < reference.length; i++) {
    const a = reference[i]!;
    const b = current[i]!;
    sq += (a - b) * (a - b);
    dot += a * b;
    na += a * a;
    nb += b * b;
  }
  return { euclidean: Math.sqrt(sq), cosine: na > 0 && nb > 0 ? 1 - dot / Math.sqrt(na * nb) : Number.NaN };
}

/** Options of {@link mmdTest}. */
export interface MmdOptions {
  /** Permutations of the pooled sample. @default 100 (Alibi Detect's `n_permutations`) */
  permutations?: number;
  /** Seed of the permutations (mulberry32), so a window's p-value is reproducible. @default 0 */
  seed?: number;
  /** The permutations themselves (each a reordering of 0 … m + n − 1), instead of drawn ones: for tests. */
  orders?: readonly (readonly number[])[];
  /** RBF kernel bandwidth σ. @default the median heuristic: √(median of the pooled pairwise squared distances / 2) */
  sigma?: number;
}

/** Result of {@link mmdTest}. */
export interface MmdResult {
  /** Unbiased MMD² with the RBF kernel exp(−‖x − y‖² / (2σ²)). */
  mmd2: number;
  /** Share of permutations whose MMD² is at least the observed one (Alibi Detect's p-value). */
  pValue: number;
  sigma: number;
  permutations: number;
  referenceRows: number;
  currentRows: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Unbiased MMD² of the split (first m of `order` against the rest) over the pooled kernel matrix. */
function mmd2Of(k: Float64Array, size: number, order: readonly number[], m: number): number {
  const n = size - m;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let a = 0; a < size; a++) {
    const i = order[a]!;
    const row = i * size;
    for (let b = a + 1; b < size; b++) {
      const v = k[row + order[b]!]!;
      if (b < m) xx += v;
      else if (a >= m) yy += v;
      else xy += v;
    }
  }
  return (2 * xx) / (m * (m - 1)) + (2 * yy) / (n * (n - 1)) - (2 * xy) / (m * n);
}

/**
 * Maximum mean discrepancy between a reference sample and a window's sample of embeddings:
 * unbiased MMD² with a Gaussian (RBF) kernel, and a permutation p-value (the samples pooled and
 * split again at random `permutations` times; p = share of splits with MMD² ≥ the observed, as
 * Alibi Detect). The kernel matrix is computed once, O((m + n)² · d).
 *
 * @throws StatsError `STATS_INVALID_ARGUMENT` for fewer than 2 vectors a side, or vectors of different dimensions
 */
export function mmdTest(reference: readonly (readonly number[])[], current: readonly (readonly number[])[], options: MmdOptions = {}): MmdResult {
  const m = reference.length;
  const n = current.length;
  if (m < 2 || n < 2) throw new StatsError('STATS_INVALID_ARGUMENT', `mmdTest needs at least 2 vectors a side, got ${m} and ${n}.`);
  const pooled = [...reference, ...current];
  const d = pooled[0]!.length;
  for (const v of pooled) checkDimension(pooled[0]!, v, 'mmdTest');
  const size = m + n;
  const dist = new Float64Array(size * size);
  const upper: number[] = [];
  for (let i = 0; i < size; i++) {
    const a = pooled[i]!;
    for (let j = i + 1; j < size; j++) {
      const b = pooled[j]!;
      let s = 0;
      for (let t = 0; t < d; t++) s += (a[t]! - b[t]!) * (a[t]! - b[t]!);
      dist[i * size + j] = s;
      dist[j * size + i] = s;
      upper.push(s);
    }
  }
  let sigma = options.sigma;
  if (sigma === undefined) {
    upper.sort((x, y) => x - y);
    const h = upper.length;
    const median = h % 2 === 1 ? upper[(h - 1) / 2]! : (upper[h / 2 - 1]! + upper[h / 2]!) / 2;
    sigma = Math.sqrt(median / 2);
  }
  if (!(sigma > 0)) sigma = 1; // every vector equal: any bandwidth gives MMD² 0
  const k = new Float64Array(size * size);
  for (let i = 0; i < size * size; i++) k[i] = Math.exp(-dist[i]! / (2 * sigma * sigma));
  const identity = Array.from({ length: size }, (_, i) => i);
  const observed = mmd2Of(k, size, identity, m);
  let orders = options.orders;
  if (!orders) {
    const random = mulberry32(options.seed ?? 0);
    orders = Array.from({ length: options.permutations ?? 100 }, () => {
      const o = identity.slice();
      for (let i = size - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [o[i], o[j]] = [o[j]!, o[i]!];
      }
      return o;
    });
  }
  let atLeast = 0;
  for (const o of orders) if (mmd2Of(k, size, o, m) >= observed) atLeast++;
  return { mmd2: observed, pValue: atLeast / orders.length, sigma, permutations: orders.length, referenceRows: m, currentRows: n };
}
