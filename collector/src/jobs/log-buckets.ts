import type { NumericSummary } from '@inferlens/stats';

/**
 * Reference-independent histograms for numeric features, computed in ClickHouse.
 *
 * A value v falls in a logarithmic bucket of relative width 2% (the DDSketch idea):
 * bucket k holds |v| in (γ^(k−1), γ^k] with γ = 1.02, signed by v's sign, and values with
 * |v| ≤ 1e−9 share bucket 0. Bucket ids sort in the order of the values they hold, so the
 * same sparse histogram serves every window, merges by adding counts, and becomes a
 * {@link NumericSummary} on any pair of windows or references. Any quantile or CDF read
 * from it is within 2% (relative) of the exact value; KS and Wasserstein computed from it
 * carry that resolution.
 */
export const BUCKET_GAMMA = 1.02;
const LOG_GAMMA = Math.log(BUCKET_GAMMA);
/** |v| at or below this share bucket 0. */
export const ZERO_LIMIT = 1e-9;
const K_MIN = -1500;
const K_MAX = 1900;
const OFFSET = 2000;
/** The largest bucket id in absolute value: every id lies in [−MAX_BUCKET_ID, MAX_BUCKET_ID]. */
export const MAX_BUCKET_ID = K_MAX + OFFSET;

/** The ClickHouse expression giving the bucket id (Int32) of the Float64 expression `x`. */
export function bucketSql(x: string): string {
  return `if(abs(${x}) <= ${ZERO_LIMIT}, 0, toInt32(sign(${x}) * (least(greatest(ceil(log(abs(${x})) / ${LOG_GAMMA}), ${K_MIN}), ${K_MAX}) + ${OFFSET})))`;
}

/** The same bucket id computed in JavaScript (for tests and offline use). */
export function bucketOf(v: number): number {
  const a = Math.abs(v);
  if (a <= ZERO_LIMIT) return 0;
  const k = Math.min(Math.max(Math.ceil(Math.log(a) / LOG_GAMMA), K_MIN), K_MAX);
  return Math.sign(v) * (k + OFFSET);
}

/** The largest value bucket `b` can hold (its right edge). */
export function bucketUpper(b: number): number {
  if (b === 0) return ZERO_LIMIT;
  if (b > 0) return Math.pow(BUCKET_GAMMA, b - OFFSET);
  return -Math.pow(BUCKET_GAMMA, -b - OFFSET - 1);
}

/** A sparse bucket histogram of one numeric feature, plus exact moments. Plain JSON. */
export interface BucketHistogram {
  /** Count per bucket id (ids as object keys). */
  buckets: Record<string, number>;
  total: number;
  min: number | null;
  max: number | null;
  sum: number;
  sumSq: number;
  /**
   * The column's distinct values, ascending, when it has at most `LOW_CARDINALITY_MAX` (5) of
   * them; absent otherwise (and in profiles stored before it was kept).
   */
  values?: number[];
}

/** An empty histogram. */
export function emptyBucketHistogram(): BucketHistogram {
  return { buckets: {}, total: 0, min: null, max: null, sum: 0, sumSq: 0 };
}

/** Adds one ClickHouse result row (one bucket of one feature) into `h`. */
export function addBucket(h: BucketHistogram, bucket: number, count: number, min: number, max: number, sum: number, sumSq: number): void {
  h.buckets[bucket] = (h.buckets[bucket] ?? 0) + count;
  h.total += count;
  h.min = h.min === null ? min : Math.min(h.min, min);
  h.max = h.max === null ? max : Math.max(h.max, max);
  h.sum += sum;
  h.sumSq += sumSq;
}

/**
 * Adds a whole column's buckets (ids and counts side by side) and its moments into `h`.
 * `ids` and `counts` have the same length; `total` is the sum of `counts`.
 */
export function addBuckets(
  h: BucketHistogram,
  ids: readonly number[],
  counts: readonly number[],
  moments: { total: number; min: number; max: number; sum: number; sumSq: number },
): void {
  for (let i = 0; i < ids.length; i++) h.buckets[ids[i]!] = (h.buckets[ids[i]!] ?? 0) + counts[i]!;
  h.total += moments.total;
  h.min = h.min === null ? moments.min : Math.min(h.min, moments.min);
  h.max = h.max === null ? moments.max : Math.max(h.max, moments.max);
  h.sum += moments.sum;
  h.sumSq += moments.sumSq;
}

/**
 * Turns two bucket histograms into {@link NumericSummary}s over the same edges (the right
 * edges of every bucket present on either side), ready for `@inferlens/stats`.
 */
export function toSharedSummaries(reference: BucketHistogram, current: BucketHistogram, missing: { reference: number; current: number }): [NumericSummary, NumericSummary] {
  const ids = [...new Set([...Object.keys(reference.buckets), ...Object.keys(current.buckets)].map(Number))].sort((a, b) => a - b);
  const edges = ids.slice(0, -1).map(bucketUpper);
  const side = (h: BucketHistogram, miss: number): NumericSummary => ({
    edges,
    counts: ids.map((id) => h.buckets[id] ?? 0),
    total: h.total,
    missing: miss,
    min: h.min,
    max: h.max,
    sum: h.sum,
    sumSq: h.sumSq,
  });
  return [side(reference, missing.reference), side(current, missing.current)];
}
