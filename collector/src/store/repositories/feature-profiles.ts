import { LOW_CARDINALITY_MAX } from '@inferlens/stats';
import type { ClickHouseStore, QueryParams } from '../ClickHouseStore.js';
import { bucketSql, MAX_BUCKET_ID } from '../../jobs/log-buckets.js';
import { QUOTE_NON_FINITE } from '../json-values.js';
import { windowWhere, type MillisRange, type PredictionScope } from './predictions.js';
import { modelFilter, type ModelScope, type NanoRange } from './SqlFilter.js';
import type { SegmentGrouping } from './segments.js';
import { referenceRowsSource, type ReferenceRows } from './reconstruction-errors.js';

/**
 * The grouped reads a feature profile is built from (`jobs/feature-profile.ts`), over the four
 * feature and output map columns that `predictions` and `reference_data` share: per numeric
 * column its log buckets (`jobs/log-buckets.ts`, whose SQL twin `bucketSql` this uses) and
 * moments, per categorical column its value counts, and the row count. Three aggregation queries,
 * run entirely in ClickHouse; only the groups travel back.
 */

/** Where a profiled column comes from: model inputs or model outputs. */
export type ProfileColumnSource = 'feature' | 'output';

type Count = string | number;
type Float = number | string;

/**
 * One numeric column's non-empty buckets (ids and counts side by side), moments, and up to
 * {@link DISTINCT_VALUES_KEPT} of its distinct values (all of them when it has fewer).
 */
export interface NumericGroup { Source: ProfileColumnSource; Name: string; Ids: number[]; Counts: Count[]; Count: Count; Min: Float; Max: Float; Sum: Float; SumSq: Float; Values: Float[] }

/**
 * Distinct values kept per numeric column: one more than a low-cardinality column can have
 * (`LOW_CARDINALITY_MAX` of `@inferlens/stats`), so that fewer than this many means "all of them".
 */
export const DISTINCT_VALUES_KEPT = LOW_CARDINALITY_MAX + 1;
/** One categorical column's count of one value. */
export interface CategoryGroup { Source: ProfileColumnSource; Name: string; Value: string; Count: Count }

/** What a profile is built from. */
export interface ProfileGroups {
  rows: number;
  numeric: NumericGroup[];
  categorical: CategoryGroup[];
}

const NUMERIC_COLUMNS: Array<[ProfileColumnSource, string]> = [['feature', 'NumericFeatures'], ['output', 'NumericOutputs']];
const CATEGORICAL_COLUMNS: Array<[ProfileColumnSource, string]> = [['feature', 'CategoricalFeatures'], ['output', 'CategoricalOutputs']];

/**
 * The three grouped reads, optionally split by segment: with `seg`, each group also carries `Seg`
 * (the segment expression) and the rows without a segment value are left out; without it the SQL
 * is the overall profile's.
 */
function profileSql(table: 'predictions' | 'reference_data', where: string, seg?: { expr: string; where: string }): { numeric: string; categorical: string; total: string } {
  // One group per column, not per (column, bucket): `countResample` keeps a dense array of
  // bucket counts in each group (ids −MAX_BUCKET_ID..MAX_BUCKET_ID, a few dozen KB a column),
  // which is ~30% cheaper than hashing (name, bucket) pairs; only non-empty buckets travel back.
  const ids = `range(-${MAX_BUCKET_ID}, ${MAX_BUCKET_ID + 1})`;
  // With segments, the segment of a row is named once, in a subquery before the ARRAY JOIN: named
  // after it, it is evaluated once per (row, column), which took twice as long (500k rows x 20
  // columns, 10 values kept: 4.2-4.8 s against 1.9-2.4 s on a loaded 2-core machine).
  const rows = (column: string) =>
    seg ? `(SELECT ${seg.expr} AS Seg, ${column} AS M FROM ${table} WHERE ${where} AND ${seg.where}) ARRAY JOIN mapKeys(M) AS k, mapValues(M) AS v` : `${table} ARRAY JOIN mapKeys(${column}) AS k, mapValues(${column}) AS v WHERE ${where}`;
  const and = seg ? 'WHERE' : 'AND';
  const segCol = seg ? 'Seg, ' : '';
  const numeric = NUMERIC_COLUMNS.map(
    ([source, column]) => `SELECT '${source}' AS Source, ${segCol}Name, arrayFilter((i, c) -> c > 0, ${ids}, Dense) AS Ids,
       arrayFilter(c -> c > 0, Dense) AS Counts, Count, Min, Max, Sum, SumSq, Values
     FROM (SELECT ${segCol}k AS Name, countResample(-${MAX_BUCKET_ID}, ${MAX_BUCKET_ID + 1}, 1)(${bucketSql('v')}) AS Dense, count() AS Count,
             min(v) AS Min, max(v) AS Max, sum(v) AS Sum, sum(v * v) AS SumSq, groupUniqArray(${DISTINCT_VALUES_KEPT})(v) AS Values
           FROM ${rows(column)}
           ${and} isFinite(v) GROUP BY ${segCol}Name)`,
  ).join(' UNION ALL ') + QUOTE_NON_FINITE;
  const categorical = CATEGORICAL_COLUMNS.map(
    ([source, column]) => `SELECT '${source}' AS Source, ${segCol}k AS Name, v AS Value, count() AS Count
     FROM ${rows(column)}
     GROUP BY ${segCol}Name, Value`,
  ).join(' UNION ALL ');
  const total = seg
    ? `SELECT ${seg.expr} AS Seg, count() AS n FROM ${table} WHERE ${where} AND ${seg.where} GROUP BY Seg`
    : `SELECT count() AS n FROM ${table} WHERE ${where}`;
  return { numeric, categorical, total };
}

async function profileGroups(store: ClickHouseStore, table: 'predictions' | 'reference_data', where: string, params: QueryParams): Promise<ProfileGroups> {
  const sql = profileSql(table, where);
  const [numeric, categorical, total] = await Promise.all([
    store.query<NumericGroup>(sql.numeric, params),
    store.query<CategoryGroup>(sql.categorical, params),
    store.query<{ n: string | number }>(sql.total, params),
  ]);
  return { rows: Number(total[0]?.n ?? 0), numeric, categorical };
}

async function segmentGroups(store: ClickHouseStore, table: 'predictions' | 'reference_data', where: string, params: QueryParams, grouping: SegmentGrouping): Promise<Map<string, ProfileGroups>> {
  const sql = profileSql(table, where, grouping);
  const all = { ...params, ...grouping.params };
  const [numeric, categorical, total] = await Promise.all([
    store.query<NumericGroup & { Seg: string }>(sql.numeric, all),
    store.query<CategoryGroup & { Seg: string }>(sql.categorical, all),
    store.query<{ Seg: string; n: string | number }>(sql.total, all),
  ]);
  const out = new Map<string, ProfileGroups>();
  for (const t of total) out.set(t.Seg, { rows: Number(t.n), numeric: [], categorical: [] });
  for (const g of numeric) out.get(g.Seg)?.numeric.push(g);
  for (const g of categorical) out.get(g.Seg)?.categorical.push(g);
  return out;
}

/**
 * The groups of a stream's window split by segment (`grouping` of `segments.ts`), in the same
 * three reads as the overall profile, each grouped by segment too: per segment, what its profile
 * is built from.
 */
export function predictionWindowSegmentGroups(store: ClickHouseStore, scope: PredictionScope, range: MillisRange, grouping: SegmentGrouping): Promise<Map<string, ProfileGroups>> {
  const w = windowWhere(scope, range);
  return segmentGroups(store, 'predictions', w.where, w.params, grouping);
}

/** The groups of a reference's rows (an uploaded data set or a pinned range) split by segment, as a window's are. */
export function referenceSegmentGroups(store: ClickHouseStore, rows: ReferenceRows, grouping: SegmentGrouping): Promise<Map<string, ProfileGroups>> {
  const params: QueryParams = {};
  const source = referenceRowsSource(rows, params);
  return segmentGroups(store, source.table, source.where, params, grouping);
}

/** The groups of a stream's window of predictions (the drift job's current side). */
export function predictionWindowGroups(store: ClickHouseStore, scope: PredictionScope, range: MillisRange): Promise<ProfileGroups> {
  const w = windowWhere(scope, range);
  return profileGroups(store, 'predictions', w.where, w.params);
}

/** The groups of predictions of a project (optionally one model and version) within a range, Unix ns text (a pinned reference, a chart). */
export function predictionRangeGroups(store: ClickHouseStore, scope: ModelScope, range: NanoRange): Promise<ProfileGroups> {
  const filter = modelFilter(scope).timeRange('Timestamp', range.from, range.to);
  return profileGroups(store, 'predictions', filter.where(), filter.params);
}

/** The groups of an uploaded reference data set. */
export function referenceDataGroups(store: ClickHouseStore, project: string, referenceId: string): Promise<ProfileGroups> {
  return profileGroups(store, 'reference_data', 'Project = {project:String} AND ReferenceId = {referenceId:String}', { project, referenceId });
}
