import { BUCKET_GAMMA, bucketUpper, type BucketHistogram } from '../jobs/log-buckets.js';
import type { CategoryCounts } from '../jobs/feature-profile.js';

/**
 * Reference and current distributions of one column for people to look at, from the profiles the
 * drift job compares (bucket histograms of 2% relative width for numbers, category counts):
 * numbers re-binned onto equal-width bins shared by both sides, categories side by side.
 */

/** Summary of one side of a numeric column. */
export interface NumericSide {
  /** Values counted (rows with the column). */
  count: number;
  /** Values per display bin. */
  counts: number[];
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Population standard deviation. */
  sd: number | null;
}

/** A numeric column on shared bins: `edges` has one more entry than each side's `counts`. */
export interface NumericBins {
  kind: 'numeric';
  edges: number[];
  reference: NumericSide;
  current: NumericSide;
}

/** A categorical column: the categories in order of their combined count, the rest summed as `otherCount`. */
export interface CategoryBars {
  kind: 'categorical';
  categories: string[];
  reference: { count: number; counts: number[]; otherCount: number };
  current: { count: number; counts: number[]; otherCount: number };
}

const SQRT_GAMMA = Math.sqrt(BUCKET_GAMMA);

/** The middle (geometric) of log bucket `b`: within 1% of every value it holds. */
export function bucketMiddle(b: number): number {
  if (b === 0) return 0;
  const upper = bucketUpper(b);
  return b > 0 ? upper / SQRT_GAMMA : upper * SQRT_GAMMA;
}

function moments(h: BucketHistogram | undefined): Omit<NumericSide, 'counts'> {
  if (!h || h.total === 0) return { count: 0, min: null, max: null, mean: null, sd: null };
  const mean = h.sum / h.total;
  return { count: h.total, min: h.min, max: h.max, mean, sd: Math.sqrt(Math.max(0, h.sumSq / h.total - mean * mean)) };
}

/**
 * Both histograms on `bins` equal-width bins over the smallest and largest value of either side.
 * Each log bucket's count goes to the bin of its middle, clamped to its side's [min, max]: a value
 * can land one bin off near a bin edge (the buckets' 2% resolution), never outside the range.
 */
export function numericBins(reference: BucketHistogram | undefined, current: BucketHistogram | undefined, bins = 24): NumericBins {
  const sides = [reference, current].filter((h): h is BucketHistogram => !!h && h.total > 0);
  const lo = sides.length ? Math.min(...sides.map((h) => h.min!)) : 0;
  const hi = sides.length ? Math.max(...sides.map((h) => h.max!)) : 0;
  const n = hi > lo ? bins : 1;
  const width = hi > lo ? (hi - lo) / n : 1;
  const edges = Array.from({ length: n + 1 }, (_, i) => (i === n ? (hi > lo ? hi : lo + 1) : lo + i * width));
  const side = (h: BucketHistogram | undefined): NumericSide => {
    const counts = new Array<number>(n).fill(0);
    if (h && h.total > 0) {
      for (const [id, count] of Object.entries(h.buckets)) {
        const v = Math.min(h.max!, Math.max(h.min!, bucketMiddle(Number(id))));
        counts[Math.min(n - 1, Math.max(0, Math.floor((v - lo) / width)))]! += count;
      }
    }
    return { ...moments(h), counts };
  };
  return { kind: 'numeric', edges, reference: side(reference), current: side(current) };
}

/** Both sides' category counts, the `top` categories by combined share first, the rest as `otherCount`. */
export function categoryBars(reference: CategoryCounts | undefined, current: CategoryCounts | undefined, top = 20): CategoryBars {
  const r = reference ?? { counts: {}, total: 0 };
  const c = current ?? { counts: {}, total: 0 };
  const share = (x: CategoryCounts, k: string) => (x.total > 0 ? (x.counts[k] ?? 0) / x.total : 0);
  const all = [...new Set([...Object.keys(r.counts), ...Object.keys(c.counts)])].sort((a, b) => share(r, b) + share(c, b) - (share(r, a) + share(c, a)) || a.localeCompare(b));
  const categories = all.slice(0, top);
  const side = (x: CategoryCounts) => {
    const counts = categories.map((k) => x.counts[k] ?? 0);
    return { count: x.total, counts, otherCount: x.total - counts.reduce((s, v) => s + v, 0) };
  };
  return { kind: 'categorical', categories, reference: side(r), current: side(c) };
}
