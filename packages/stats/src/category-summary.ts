import { isMissingValue } from './internal/missing.js';

/**
 * A mergeable, JSON-serialisable summary of a categorical feature. Values are stringified
 * (`String(value)`), so `true` and `"true"` are the same category.
 */
export interface CategorySummary {
  /** Count per category. */
  counts: Record<string, number>;
  /** Number of non-missing values (the sum of `counts`). */
  total: number;
  /** Number of missing values (null, undefined, NaN); not in `counts`. */
  missing: number;
}

/** Summarise raw categorical values. */
export function summarizeCategories(
  values: Iterable<string | number | boolean | null | undefined>,
): CategorySummary {
  const counts: Record<string, number> = Object.create(null) as Record<string, number>;
  let total = 0;
  let missing = 0;
  for (const value of values) {
    if (isMissingValue(value)) {
      missing++;
      continue;
    }
    const key = String(value);
    counts[key] = (counts[key] ?? 0) + 1;
    total++;
  }
  return { counts: { ...counts }, total, missing };
}

/** Merge category summaries (for example per-minute summaries into a window). */
export function mergeCategorySummaries(...summaries: CategorySummary[]): CategorySummary {
  const counts: Record<string, number> = Object.create(null) as Record<string, number>;
  let total = 0;
  let missing = 0;
  for (const s of summaries) {
    for (const [key, n] of Object.entries(s.counts)) counts[key] = (counts[key] ?? 0) + n;
    total += s.total;
    missing += s.missing;
  }
  return { counts: { ...counts }, total, missing };
}

/** Reference and current counts over the union of their categories, in a stable order. */
export interface AlignedCategories {
  /** Categories: reference ones first (by descending count, then name), then unseen ones. */
  categories: string[];
  /** Reference count per category. */
  reference: number[];
  /** Current count per category. */
  current: number[];
}

function countOf(counts: Record<string, number>, key: string): number {
  return Object.hasOwn(counts, key) ? counts[key] : 0;
}

/** Align two category summaries over the union of their categories. */
export function alignCategories(reference: CategorySummary, current: CategorySummary): AlignedCategories {
  const byCount = (counts: Record<string, number>) => (a: string, b: string) =>
    counts[b] - counts[a] || (a < b ? -1 : a > b ? 1 : 0);
  const refKeys = Object.keys(reference.counts).filter((k) => reference.counts[k] > 0);
  refKeys.sort(byCount(reference.counts));
  const seen = new Set(refKeys);
  const unseen = Object.keys(current.counts).filter((k) => !seen.has(k) && current.counts[k] > 0);
  unseen.sort(byCount(current.counts));
  const categories = [...refKeys, ...unseen];
  return {
    categories,
    reference: categories.map((k) => countOf(reference.counts, k)),
    current: categories.map((k) => countOf(current.counts, k)),
  };
}
