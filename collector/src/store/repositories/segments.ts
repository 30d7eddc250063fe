import type { ClickHouseStore, QueryParams } from '../ClickHouseStore.js';
import { windowWhere, type MillisRange, type PredictionScope } from './predictions.js';

/**
 * The SQL of segments (see `jobs/segments.ts`): which column of `predictions` a model's segments
 * come from, a window's most frequent values, and the expression that groups rows by segment with
 * the values beyond the kept ones folded into one. Values travel only as query parameters.
 */

/** Where a model's segment values are: the prediction's `segment` (`Segment`), or a categorical feature. */
export interface SegmentColumn {
  /** The categorical feature; undefined for the `Segment` column. */
  feature?: string | undefined;
}

/** The segment value of a row, as SQL (`{segmentFeature:String}` bound by {@link segmentColumnParams}). */
function valueSql(column: SegmentColumn): string {
  return column.feature === undefined ? 'Segment' : 'CategoricalFeatures[{segmentFeature:String}]';
}

function segmentColumnParams(column: SegmentColumn): QueryParams {
  return column.feature === undefined ? {} : { segmentFeature: column.feature };
}

/**
 * A window's segment values with their rows, most rows first (ties by value), at most `limit` of
 * them, and the rows of every value (the empty value, rows without a segment, left out).
 */
export async function windowSegmentCounts(
  store: ClickHouseStore,
  scope: PredictionScope,
  range: MillisRange,
  column: SegmentColumn,
  limit: number,
): Promise<{ counts: Array<{ value: string; count: number }>; total: number }> {
  const w = windowWhere(scope, range);
  const rows = await store.query<{ value: string; n: string | number; total: string | number }>(
    `SELECT value, n, sum(n) OVER () AS total FROM (
       SELECT ${valueSql(column)} AS value, count() AS n FROM predictions WHERE ${w.where} AND ${valueSql(column)} != '' GROUP BY value)
     ORDER BY n DESC, value LIMIT {segmentLimit:UInt32}`,
    { ...w.params, ...segmentColumnParams(column), segmentLimit: limit },
  );
  return { counts: rows.map((r) => ({ value: r.value, count: Number(r.n) })), total: Number(rows[0]?.total ?? 0) };
}

/**
 * How a grouped read splits a window by segment: `expr` names a row's segment (a kept value, or
 * `other` for the rest), `where` keeps the rows that have a value.
 */
export interface SegmentGrouping {
  expr: string;
  where: string;
  params: QueryParams;
}

/** The grouping of a window whose kept values are `values`; every other value is named `other`. */
export function segmentGrouping(column: SegmentColumn, values: readonly string[], other: string): SegmentGrouping {
  const v = valueSql(column);
  return {
    expr: `if(has({segmentValues:Array(String)}, ${v}), ${v}, {segmentOther:String})`,
    where: `${v} != ''`,
    params: { ...segmentColumnParams(column), segmentValues: [...values], segmentOther: other },
  };
}
