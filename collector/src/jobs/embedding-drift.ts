import { centroidDistances, mmdTest } from '@inferlens/stats';
import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { datasetEmbeddingRows, embeddingCentroid, embeddingDimension, embeddingSample, windowEmbeddingRows, type EmbeddingRows } from '../store/repositories/embeddings.js';
import type { MillisRange, PredictionScope } from '../store/repositories/predictions.js';
import type { ReferenceRows } from '../store/repositories/reconstruction-errors.js';
import type { ColumnDrift } from './compare-profiles.js';

/** Vectors a side the MMD test compares (the kernel matrix is (2·n)², the cost n² · dimension). */
export const EMBEDDING_SAMPLE_ROWS = 200;
/** Permutations of the MMD test (Alibi Detect's default). */
export const EMBEDDING_PERMUTATIONS = 100;
/** p-value below which the window's embeddings drifted. */
export const EMBEDDING_P_VALUE_THRESHOLD = 0.05;

/** A reference's embeddings as the job compares them: dimension, centroid and sample. */
export interface ReferenceEmbeddings {
  dimension: number;
  rows: number;
  centroid: number[];
  sample: number[][];
}

/**
 * The reference's embeddings, or undefined when it has none: a pinned range's predictions with an
 * embedding, or an uploaded data set's rows with one (`embedding` in a row).
 */
export async function referenceEmbeddings(store: ClickHouseStore, rows: ReferenceRows): Promise<ReferenceEmbeddings | undefined> {
  const source: EmbeddingRows =
    rows.kind === 'pinned'
      ? windowEmbeddingRows({ project: rows.project, model: rows.model, version: rows.version }, { fromMs: rows.fromMs, toMs: rows.toMs })
      : datasetEmbeddingRows(rows.project, rows.referenceId);
  const dim = await embeddingDimension(store, source);
  if (!dim || dim.rows < 2) return undefined;
  const { rows: n, centroid } = await embeddingCentroid(store, source, dim.dimension);
  return { dimension: dim.dimension, rows: n, centroid, sample: await embeddingSample(store, source, dim.dimension, EMBEDDING_SAMPLE_ROWS) };
}

/**
 * The `source: embedding` row of one window, or undefined when the window has no embedding of the
 * reference's dimension: centroid distances (Euclidean and cosine) from `avgForEach` in the engine,
 * MMD² and its permutation p-value (seeded by the window start, so a recomputation gives the same)
 * on up to {@link EMBEDDING_SAMPLE_ROWS} vectors a side; drifted when p < 0.05.
 */
export async function embeddingWindow(store: ClickHouseStore, ref: ReferenceEmbeddings, scope: PredictionScope, range: MillisRange): Promise<ColumnDrift | undefined> {
  const source = windowEmbeddingRows(scope, range);
  const { rows, centroid } = await embeddingCentroid(store, source, ref.dimension);
  if (rows === 0) return undefined;
  const distances = centroidDistances(ref.centroid, centroid);
  const sample = rows >= 2 ? await embeddingSample(store, source, ref.dimension, EMBEDDING_SAMPLE_ROWS) : [];
  const mmd = sample.length >= 2 && ref.sample.length >= 2 ? mmdTest(ref.sample, sample, { permutations: EMBEDDING_PERMUTATIONS, seed: Math.floor(range.fromMs / 1000) }) : undefined;
  return {
    source: 'embedding',
    feature: 'embedding',
    kind: 'embedding',
    method: 'mmd',
    statistic: mmd?.mmd2 ?? Number.NaN,
    pValue: mmd?.pValue ?? null,
    threshold: EMBEDDING_P_VALUE_THRESHOLD,
    drifted: mmd !== undefined && mmd.pValue < EMBEDDING_P_VALUE_THRESHOLD,
    status: mmd ? 'ok' : 'too-few-rows',
    referenceRows: ref.rows,
    currentRows: rows,
    metrics: {
      euclidean: distances.euclidean,
      cosine: distances.cosine,
      mmd2: mmd?.mmd2 ?? null,
      pValue: mmd?.pValue ?? null,
      sigma: mmd?.sigma ?? null,
      permutations: mmd?.permutations ?? 0,
      referenceSample: ref.sample.length,
      currentSample: sample.length,
      dimension: ref.dimension,
    },
  };
}
