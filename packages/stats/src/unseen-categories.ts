import type { CategorySummary } from './category-summary.js';

/** Result of {@link unseenCategoryShare}. */
export interface UnseenCategories {
  /** Share of the current window's non-missing values whose category the reference never had. */
  share: number;
  /** Those categories, most frequent first. */
  categories: string[];
}

/**
 * How much of the current window falls in categories absent from the reference: new values a
 * model was never trained on. NaN share when the current window has no values.
 */
export function unseenCategoryShare(reference: CategorySummary, current: CategorySummary): UnseenCategories {
  const unseen: [string, number][] = [];
  let count = 0;
  for (const [key, n] of Object.entries(current.counts)) {
    if (n > 0 && !(Object.hasOwn(reference.counts, key) && reference.counts[key] > 0)) {
      unseen.push([key, n]);
      count += n;
    }
  }
  unseen.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return {
    share: current.total === 0 ? Number.NaN : count / current.total,
    categories: unseen.map(([key]) => key),
  };
}
