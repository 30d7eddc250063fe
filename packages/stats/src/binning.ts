import { quantileSorted } from 'simple-statistics';
import { StatsError } from './StatsError.js';
import { emptyNumericSummary, sameEdges } from './numeric-summary.js';
import type { NumericSummary } from './numeric-summary.js';
import { isMissingNumber } from './internal/missing.js';

/**
 * Default number of reference-quantile bins for PSI, Jensen–Shannon and Hellinger on numeric
 * features: deciles, as Arize Phoenix and most PSI write-ups use. Ten bins keep about 10% of
 * the reference in each, so an empty bin is rare and each bin's share is well estimated.
 */
export const DEFAULT_BIN_COUNT = 10;

function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new StatsError('STATS_INVALID_ARGUMENT', `bins must be a positive integer, got ${bins}.`);
  }
}

/**
 * Interior edges at the reference's 1/bins, 2/bins, … quantiles (linear interpolation, numpy's
 * default "type 7", via `simple-statistics`), with duplicate edges dropped (ties or a constant
 * feature give fewer bins). The outer bins are open-ended, so current values outside the
 * reference range still land in a bin. Missing values are ignored.
 *
 * @param bins - number of bins wanted. @default 10
 * @returns at most `bins − 1` strictly increasing edges; `[]` when the reference is empty.
 */
export function referenceQuantileEdges(
  reference: Iterable<number | null | undefined>,
  bins: number = DEFAULT_BIN_COUNT,
): number[] {
  checkBins(bins);
  const sorted: number[] = [];
  for (const v of reference) if (!isMissingNumber(v)) sorted.push(v as number);
  if (sorted.length === 0) return [];
  sorted.sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const q = quantileSorted(sorted, i / bins);
    if (edges.length === 0 || q > edges[edges.length - 1]) edges.push(q);
  }
  return edges;
}

/**
 * `bins − 1` equally spaced interior edges over [min, max]: the fine histogram the streaming
 * jobs keep for KS and Wasserstein. Choose min/max from the reference (for example its
 * 0.1% and 99.9% quantiles); values outside fall into the open outer bins.
 *
 * @param bins - number of bins between min and max. @default 100
 */
export function equalWidthEdges(min: number, max: number, bins = 100): number[] {
  checkBins(bins);
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > min)) {
    throw new StatsError('STATS_INVALID_ARGUMENT', `equalWidthEdges needs finite min < max, got ${min}, ${max}.`);
  }
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) edges.push(min + ((max - min) * i) / bins);
  return edges;
}

/**
 * Merge adjacent bins of two summaries that share edges into about `bins` bins that each hold
 * about 1/bins of the reference: reference-quantile binning when only a fine histogram is
 * available. An edge is kept where the reference's cumulative share first reaches k/bins.
 * Moments, totals and min/max are kept.
 *
 * @param bins - target number of bins. @default 10
 */
export function coarsenToReferenceQuantiles(
  reference: NumericSummary,
  current: NumericSummary,
  bins: number = DEFAULT_BIN_COUNT,
): { reference: NumericSummary; current: NumericSummary } {
  checkBins(bins);
  if (!sameEdges(reference, current)) {
    throw new StatsError('STATS_EDGES_MISMATCH', 'Reference and current summaries must share bin edges.');
  }
  if (reference.counts.length <= bins || reference.total === 0) return { reference, current };
  const keep: number[] = [];
  let cumulative = 0;
  let next = 1;
  for (let i = 0; i < reference.edges.length && next < bins; i++) {
    cumulative += reference.counts[i];
    if (cumulative >= (next * reference.total) / bins) {
      keep.push(reference.edges[i]);
      while (next < bins && cumulative >= (next * reference.total) / bins) next++;
    }
  }
  const rebin = (s: NumericSummary): NumericSummary => {
    const out = emptyNumericSummary(keep);
    let bin = 0;
    for (let i = 0; i < s.counts.length; i++) {
      // Fine bin i covers (e_{i−1}, e_i]; it belongs to the first coarse bin whose edge ≥ e_i.
      while (bin < keep.length && i < s.edges.length && keep[bin] < s.edges[i]) bin++;
      out.counts[i < s.edges.length ? bin : keep.length] += s.counts[i];
    }
    return { ...out, total: s.total, missing: s.missing, min: s.min, max: s.max, sum: s.sum, sumSq: s.sumSq };
  };
  return { reference: rebin(reference), current: rebin(current) };
}
