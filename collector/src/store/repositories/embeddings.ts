import type { ClickHouseStore, QueryParams } from '../ClickHouseStore.js';
import { windowWhere, type MillisRange, type PredictionScope } from './predictions.js';

/**
 * The reads of embedding drift over the `Embedding` column of `predictions` or `reference_data`:
 * the dimension the rows hold, the centroid (`avgForEach`, in the engine) and a deterministic
 * sample of vectors (ordered by a hash of the prediction id, or of the row index of an uploaded
 * data set) for the MMD test. Rows of another dimension are left out.
 */

/** Where embeddings are read from: a stream's window, a pinned range of a version's predictions, or an uploaded data set. */
export interface EmbeddingRows {
  table: 'predictions' | 'reference_data';
  where: string;
  params: QueryParams;
  /** What the sample is ordered by: the same rows each time. */
  order: string;
}

/** The rows of a stream's window `[fromMs, toMs)`. */
export function windowEmbeddingRows(scope: PredictionScope, range: MillisRange): EmbeddingRows {
  return { table: 'predictions', ...windowWhere(scope, range), order: 'cityHash64(PredictionId), PredictionId' };
}

/** The rows of an uploaded reference data set. */
export function datasetEmbeddingRows(project: string, referenceId: string): EmbeddingRows {
  return { table: 'reference_data', where: 'Project = {project:String} AND ReferenceId = {referenceId:String}', params: { project, referenceId }, order: 'cityHash64(RowIndex), RowIndex' };
}

/** The most frequent non-zero dimension of the rows' embeddings and how many rows have it; undefined without any. */
export async function embeddingDimension(store: ClickHouseStore, rows: EmbeddingRows): Promise<{ dimension: number; rows: number } | undefined> {
  const [r] = await store.query<{ d: number | string; n: number | string }>(
    `SELECT length(Embedding) AS d, count() AS n FROM ${rows.table} WHERE ${rows.where} AND notEmpty(Embedding) GROUP BY d ORDER BY n DESC, d LIMIT 1`,
    rows.params,
  );
  return r ? { dimension: Number(r.d), rows: Number(r.n) } : undefined;
}

/** The centroid of the rows' embeddings of `dimension`, and how many there are. */
export async function embeddingCentroid(store: ClickHouseStore, rows: EmbeddingRows, dimension: number): Promise<{ rows: number; centroid: number[] }> {
  const [r] = await store.query<{ n: number | string; c: number[] }>(
    `SELECT count() AS n, avgForEach(CAST(Embedding, 'Array(Float64)')) AS c FROM ${rows.table} WHERE ${rows.where} AND length(Embedding) = {dim:UInt32}`,
    { ...rows.params, dim: dimension },
  );
  return { rows: Number(r?.n ?? 0), centroid: (r?.c ?? []).map(Number) };
}

/** Up to `limit` embeddings of `dimension`, the same ones for the same rows (ordered by a hash of the prediction id). */
export async function embeddingSample(store: ClickHouseStore, rows: EmbeddingRows, dimension: number, limit: number): Promise<number[][]> {
  const out = await store.query<{ e: number[] }>(
    `SELECT Embedding AS e FROM ${rows.table} WHERE ${rows.where} AND length(Embedding) = {dim:UInt32}
     ORDER BY ${rows.order} LIMIT {limit:UInt32}`,
    { ...rows.params, dim: dimension, limit },
  );
  return out.map((r) => r.e.map(Number));
}
