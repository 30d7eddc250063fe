import { StatsError } from './StatsError.js';
import { isMissingNumber } from './internal/missing.js';

/**
 * A mergeable, JSON-serialisable summary of a numeric feature: a fixed-bin histogram plus
 * moments. `edges` are the k interior cut points e₀ < … < e_{k−1}; `counts` has k + 1 bins,
 * right-closed and open at both ends: (−∞, e₀], (e₀, e₁], …, (e_{k−1}, +∞). Right-closed bins
 * make the empirical CDF at every edge exact, which the KS bounds rely on.
 *
 * Two summaries with equal `edges` merge by adding counts, totals, sums and taking min/max;
 * that is what ClickHouse per-minute states do.
 */
export interface NumericSummary {
  /** Interior bin edges, strictly increasing. */
  edges: number[];
  /** Counts per bin; `edges.length + 1` entries. */
  counts: number[];
  /** Number of non-missing values (the sum of `counts`). */
  total: number;
  /** Number of missing values (null, undefined, NaN, ±Infinity); not in `counts`. */
  missing: number;
  /** Smallest non-missing value; `null` when `total` is 0. */
  min: number | null;
  /** Largest non-missing value; `null` when `total` is 0. */
  max: number | null;
  /** Sum of the non-missing values. */
  sum: number;
  /** Sum of squares of the non-missing values. */
  sumSq: number;
}

/** Index of the right-closed bin that holds `x`: the number of edges strictly below `x`. */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkEdges(edges: readonly number[]): void {
  for (let i = 0; i < edges.length; i++) {
    if (!Number.isFinite(edges[i]) || (i > 0 && edges[i] <= edges[i - 1])) {
      throw new StatsError(
        'STATS_INVALID_ARGUMENT',
        `Bin edges must be finite and strictly increasing; edge ${i} is ${edges[i]}.`,
      );
    }
  }
}

/** An empty summary over `edges`, ready to merge into. */
export function emptyNumericSummary(edges: readonly number[]): NumericSummary {
  checkEdges(edges);
  return {
    edges: [...edges],
    counts: new Array<number>(edges.length + 1).fill(0),
    total: 0,
    missing: 0,
    min: null,
    max: null,
    sum: 0,
    sumSq: 0,
  };
}

/**
 * Summarise raw values over the given bin edges. Missing values (null, undefined, NaN,
 * ±Infinity, non-numbers) are counted in `missing`.
 *
 * @example
 * ```ts
 * const edges = referenceQuantileEdges(reference);
 * const ref = summarizeNumeric(reference, edges);
 * const cur = summarizeNumeric(window, edges);
 * ```
 */
export function summarizeNumeric(
  values: Iterable<number | null | undefined>,
  edges: readonly number[],
): NumericSummary {
  const summary = emptyNumericSummary(edges);
  for (const value of values) {
    if (isMissingNumber(value)) {
      summary.missing++;
      continue;
    }
    const x = value as number;
    summary.counts[binIndex(summary.edges, x)]++;
    summary.total++;
    summary.sum += x;
    summary.sumSq += x * x;
    if (summary.min === null || x < summary.min) summary.min = x;
    if (summary.max === null || x > summary.max) summary.max = x;
  }
  return summary;
}

/** True when both summaries have the same bin edges. */
export function sameEdges(a: NumericSummary, b: NumericSummary): boolean {
  return a.edges.length === b.edges.length && a.edges.every((e, i) => e === b.edges[i]);
}

/**
 * Merge summaries that share bin edges (for example per-minute summaries into a window).
 * Throws `StatsError` `STATS_EDGES_MISMATCH` when the edges differ.
 */
export function mergeNumericSummaries(...summaries: NumericSummary[]): NumericSummary {
  if (summaries.length === 0) {
    throw new StatsError('STATS_INVALID_ARGUMENT', 'mergeNumericSummaries needs at least one summary.');
  }
  const out = emptyNumericSummary(summaries[0].edges);
  for (const s of summaries) {
    if (!sameEdges(out, s)) {
      throw new StatsError(
        'STATS_EDGES_MISMATCH',
        'Numeric summaries with different bin edges cannot be merged; build them over the same edges.',
      );
    }
    for (let i = 0; i < s.counts.length; i++) out.counts[i] += s.counts[i];
    out.total += s.total;
    out.missing += s.missing;
    out.sum += s.sum;
    out.sumSq += s.sumSq;
    if (s.min !== null && (out.min === null || s.min < out.min)) out.min = s.min;
    if (s.max !== null && (out.max === null || s.max > out.max)) out.max = s.max;
  }
  return out;
}

/** Mean of the non-missing values, NaN when there are none. */
export function summaryMean(s: NumericSummary): number {
  return s.total === 0 ? Number.NaN : s.sum / s.total;
}

/**
 * Population standard deviation (ddof = 0, as `numpy.std`) from the moments; NaN when empty.
 * Computed as √(E[x²] − E[x]²), clamped at 0: for values whose spread is below ~1e−8 of
 * their magnitude this cancels; compute from raw values when that matters.
 */
export function summaryStandardDeviation(s: NumericSummary): number {
  if (s.total === 0) return Number.NaN;
  const mean = s.sum / s.total;
  return Math.sqrt(Math.max(0, s.sumSq / s.total - mean * mean));
}
