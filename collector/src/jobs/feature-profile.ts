import type { ClickHouseStore, QueryParams } from '../store/ClickHouseStore.js';
import { addBucket, bucketSql, emptyBucketHistogram, type BucketHistogram } from './log-buckets.js';

/** Where a profiled column comes from: model inputs or model outputs. */
export type ProfileSource = 'feature' | 'output';

/** Category counts of one categorical column. */
export interface CategoryCounts {
  counts: Record<string, number>;
  total: number;
}

/**
 * The compact profile of a set of predictions (a window of production traffic, a pinned
 * time range) or of an uploaded reference data set: per numeric column a bucket histogram,
 * per categorical column its category counts. Plain JSON; stored as a reference profile.
 */
export interface FeatureProfile {
  /** Rows profiled (a column's missing count is `rows` minus its total). */
  rows: number;
  numeric: Record<ProfileSource, Record<string, BucketHistogram>>;
  categorical: Record<ProfileSource, Record<string, CategoryCounts>>;
}

/** A table holding the four feature/output map columns of `predictions`. */
export interface ProfileScope {
  /** `predictions` or `reference_data`. */
  table: 'predictions' | 'reference_data';
  /** A WHERE clause using only `{name:Type}` placeholders for values. */
  where: string;
  params: QueryParams;
}

const NUMERIC_COLUMNS: Array<[ProfileSource, string]> = [['feature', 'NumericFeatures'], ['output', 'NumericOutputs']];
const CATEGORICAL_COLUMNS: Array<[ProfileSource, string]> = [['feature', 'CategoricalFeatures'], ['output', 'CategoricalOutputs']];

interface NumericRow { Source: ProfileSource; Name: string; Bucket: number; Count: string | number; Min: number; Max: number; Sum: number; SumSq: number }
interface CategoryRow { Source: ProfileSource; Name: string; Value: string; Count: string | number }

/**
 * Profiles the rows of a scope with three aggregation queries that run entirely in
 * ClickHouse (one pass over the rows for numbers, one for categories, one count); only
 * the grouped buckets and categories travel back.
 */
export async function profileScope(store: ClickHouseStore, scope: ProfileScope): Promise<FeatureProfile> {
  const numericSql = NUMERIC_COLUMNS.map(
    ([source, column]) => `SELECT '${source}' AS Source, k AS Name, ${bucketSql('v')} AS Bucket, count() AS Count,
       min(v) AS Min, max(v) AS Max, sum(v) AS Sum, sum(v * v) AS SumSq
     FROM ${scope.table} ARRAY JOIN mapKeys(${column}) AS k, mapValues(${column}) AS v
     WHERE ${scope.where} AND isFinite(v) GROUP BY Name, Bucket`,
  ).join(' UNION ALL ');
  const categoricalSql = CATEGORICAL_COLUMNS.map(
    ([source, column]) => `SELECT '${source}' AS Source, k AS Name, v AS Value, count() AS Count
     FROM ${scope.table} ARRAY JOIN mapKeys(${column}) AS k, mapValues(${column}) AS v
     WHERE ${scope.where} GROUP BY Name, Value`,
  ).join(' UNION ALL ');
  const [numeric, categorical, total] = await Promise.all([
    store.query<NumericRow>(numericSql, scope.params),
    store.query<CategoryRow>(categoricalSql, scope.params),
    store.query<{ n: string | number }>(`SELECT count() AS n FROM ${scope.table} WHERE ${scope.where}`, scope.params),
  ]);
  const profile: FeatureProfile = {
    rows: Number(total[0]?.n ?? 0),
    numeric: { feature: {}, output: {} },
    categorical: { feature: {}, output: {} },
  };
  for (const r of numeric) {
    const h = (profile.numeric[r.Source][r.Name] ??= emptyBucketHistogram());
    addBucket(h, Number(r.Bucket), Number(r.Count), Number(r.Min), Number(r.Max), Number(r.Sum), Number(r.SumSq));
  }
  for (const r of categorical) {
    const c = (profile.categorical[r.Source][r.Name] ??= { counts: {}, total: 0 });
    c.counts[r.Value] = (c.counts[r.Value] ?? 0) + Number(r.Count);
    c.total += Number(r.Count);
  }
  return profile;
}
