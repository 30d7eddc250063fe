import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { segmentFeatureOf, type SegmentsConfig } from '../config/segments.js';
import type { MillisRange, PredictionScope } from '../store/repositories/predictions.js';
import { segmentGrouping, windowSegmentCounts, type SegmentColumn, type SegmentGrouping } from '../store/repositories/segments.js';

/**
 * Segments: the drift, data-quality and quality jobs compute each closed window for the model
 * version's whole traffic (the overall results, `segment` '') and again per value of the model's
 * segment column (the prediction's `segment`, or a categorical feature named in
 * `segments.models`). A window keeps its `segments.maxValues` most frequent values; the rows of
 * every other value are folded into one segment, {@link OTHER_SEGMENT}. Rows without a value
 * count in the overall results only.
 */

/** The `segment` of the overall results (the whole window). */
export const OVERALL_SEGMENT = '';
/** The segment the values beyond a window's top `maxValues` are folded into. */
export const OTHER_SEGMENT = 'other';

/** A segment value and its rows in a window. */
export interface SegmentCount {
  value: string;
  count: number;
}

/** The segments of one window. */
export interface SegmentPlan {
  /** The values kept, most rows first (ties by value, so a recomputation keeps the same ones). */
  values: string[];
  /** Rows of the values folded into {@link OTHER_SEGMENT} (0: no `other` segment). */
  otherRows: number;
}

/**
 * The segments of a window: its `maxValues` most frequent values, the rest folded into
 * {@link OTHER_SEGMENT}. `counts` may be cut (the most frequent first, as the engine answers
 * them); `total` is the rows of every value, counted or not. The empty value (rows without a
 * segment) is never a segment. With `maxValues` 0 there is no segment at all.
 */
export function planSegments(counts: readonly SegmentCount[], total: number, maxValues: number): SegmentPlan {
  if (maxValues <= 0) return { values: [], otherRows: 0 };
  const ranked = counts.filter((c) => c.value !== OVERALL_SEGMENT && c.count > 0).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const kept = ranked.slice(0, maxValues);
  const keptRows = kept.reduce((a, c) => a + c.count, 0);
  return { values: kept.map((c) => c.value), otherRows: Math.max(0, total - keptRows) };
}

/** The segment names a plan gives results for, in order: the kept values, then `other` when it has rows. */
export function segmentNames(plan: SegmentPlan): string[] {
  return plan.otherRows > 0 && !plan.values.includes(OTHER_SEGMENT) ? [...plan.values, OTHER_SEGMENT] : [...plan.values];
}

/** A window's segments as the jobs plan them: the segment column, the kept values, the names results are written for, and the grouping that reads them. */
export interface WindowSegmentPlan {
  column: SegmentColumn;
  values: string[];
  names: string[];
  grouping: SegmentGrouping;
}

/**
 * The segments of a window of `scope` (its `settings.maxValues` most frequent values of the
 * model's segment column, the rest as {@link OTHER_SEGMENT}); undefined when per-segment results
 * are off or the window has no segment value.
 */
export async function windowSegmentPlan(
  store: ClickHouseStore,
  settings: SegmentsConfig | undefined,
  scope: PredictionScope,
  range: MillisRange,
): Promise<WindowSegmentPlan | undefined> {
  if (!settings || settings.maxValues <= 0) return undefined;
  const column = { feature: segmentFeatureOf(settings, scope.model) };
  const { counts, total } = await windowSegmentCounts(store, scope, range, column, settings.maxValues);
  const plan = planSegments(counts, total, settings.maxValues);
  const names = segmentNames(plan);
  if (names.length === 0) return undefined;
  return { column, values: plan.values, names, grouping: segmentGrouping(column, plan.values, OTHER_SEGMENT) };
}
