import type { ClickHouseStore, QueryParams } from '../ClickHouseStore.js';
import { windowWhere, type MillisRange, type PredictionScope } from './predictions.js';

/**
 * The reads of embedding drift over `predictions.Embedding`: the dimension the rows hold, the
 * centroid (`avgForEach`, in the engine) and a deterministic sample of vectors (ordered by a hash
 * of the prediction id) for the MMD test. Rows of another dimension are left out.
 */

/** Where embeddings are read from: a stream's window, or a pinned range of a version's predictions. */
export interface EmbeddingRows {
  where: string;
  params: QueryParams;
}

/** The rows of a stream's window `[fromMs, toMs)`. */
export function windowEmbeddingRows(scope: PredictionScope, range: MillisRange): EmbeddingRows {
  return windowWhere(scope, range);
}

/** The most frequent non-zero dimension of the rows' embeddings and how many rows have it; undefined without any. */
export async function embeddingDimension(store: ClickHouseStore, rows: EmbeddingRows): Promise<{ dimension: number; rows: number } | undefined> {
  const [r] = await store.query<{ d: number | string; n: number | string }>(
    `SELECT length(Embedding) AS d, count() AS n FROM predictions WHERE ${rows.where} AND notEmpty(Embedding) GROUP BY d ORDER BY n DESC, d LIMIT 1`,
    rows.params,
  );
  return r ? { dimension: Number(r.d), rows: Number(r.n) } : undefined;
}

/** The centroid of the rows' embeddings of `dimension`, and how many there are. */
export async function embeddingCentroid(store: ClickHouseStore, rows: EmbeddingRows, dimension: number): Promise<{ rows: number; centroid: number[] }> {
  const [r] = await store.query<{ n: number | string; c: number[] }>(
    `SELECT count() AS n, avgForEach(CAST(Embedding, 'Array(Float64)')) AS c FROM predictions WHERE ${rows.where} AND length(Embedding) = {dim:UInt32}`,
    { ...rows.params, dim: dimension },
  );
  return { rows: Number(r?.n ?? 0), centroid: (r?.c ?? []).map(Number) };
}

/** Up to `limit` embeddings of `dimension`, the same ones for the same rows (ordered by a hash of the prediction id). */
export async function embeddingSample(store: ClickHouseStore, rows: EmbeddingRows, dimension: number, limit: number): Promise<number[][]> {
  const out = await store.query<{ e: number[] }>(
    `SELECT Embedding AS e FROM predictions WHERE ${rows.where} AND length(Embedding) = {dim:UInt32}
     ORDER BY cityHash64(PredictionId), PredictionId LIMIT {limit:UInt32}`,
    { ...rows.params, dim: dimension, limit },
  );
  return out.map((r) => r.e.map(Number));
}
