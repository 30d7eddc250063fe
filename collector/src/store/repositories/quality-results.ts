import type { ClickHouseStore } from '../ClickHouseStore.js';
import { segmentWhere, WINDOW_BOUNDS_SQL, windowResultWhere, type SegmentFilter, type WindowBoundsRow, type WindowResultFilter } from './window-results.js';

type Cell = number | string | null;

/** A `quality_results` row as read: the latest computation of its window, every metric by name. */
export type StoredQualityResult = Record<string, Cell> & WindowBoundsRow & { computedAt: string };

/** Model quality per closed window (latest computation), oldest window first. */
export function readQualityResults(store: ClickHouseStore, f: WindowResultFilter & SegmentFilter): Promise<StoredQualityResult[]> {
  const filter = segmentWhere(windowResultWhere(f), f);
  return store.query<StoredQualityResult>(
    `SELECT * EXCEPT (WindowStart, WindowEnd, MaxFeedbackReceivedAt, ComputedAt),
            ${WINDOW_BOUNDS_SQL}, toString(toUnixTimestamp64Milli(ComputedAt)) AS computedAt
     FROM quality_results FINAL WHERE ${filter.where()}
     ORDER BY WindowStart, ModelVersion, Segment LIMIT {limit:UInt32}`,
    filter.params,
  );
}
