import { modelFilter, type NanoRange, type SqlFilter } from './SqlFilter.js';

/**
 * What the per-window result tables' read modules share (drift, data quality, SLA, quality):
 * a model's results, optionally of one version, whose windows start within a range.
 */
export interface WindowResultFilter extends NanoRange {
  project: string;
  model: string;
  version?: string | undefined;
  /** Most rows answered. */
  limit: number;
}

/** The WHERE clause of {@link WindowResultFilter} (`from` / `to` bound `WindowStart`), `limit` bound as `{limit:UInt32}`. */
export function windowResultWhere(f: WindowResultFilter): SqlFilter {
  return modelFilter(f).timeRange('WindowStart', f.from, f.to).bind('limit', f.limit);
}

/** Which segment of a per-segment result table (drift, data quality, quality): absent the overall rows (''), `*` every row. */
export interface SegmentFilter {
  segment?: string | undefined;
}

/** The segment condition of {@link SegmentFilter} added to `filter`. */
export function segmentWhere(filter: SqlFilter, f: SegmentFilter): SqlFilter {
  return f.segment === ALL_SEGMENTS ? filter : filter.add('Segment = {segment:String}', 'segment', f.segment ?? '');
}

/** The `segment` filter value that selects every segment and the overall rows. */
export const ALL_SEGMENTS = '*';

/** SELECT expressions of a row's window as Unix-millisecond text. */
export const WINDOW_BOUNDS_SQL = 'toString(toUnixTimestamp64Milli(WindowStart)) AS windowStart, toString(toUnixTimestamp64Milli(WindowEnd)) AS windowEnd';

/** A row's window, Unix milliseconds as text. */
export interface WindowBoundsRow {
  windowStart: string;
  windowEnd: string;
}
