import type { ReconstructionEncoding, ReconstructionModel } from '@inferlens/stats';
import type { ClickHouseStore, QueryParams } from '../ClickHouseStore.js';
import { fromJsonFloat, QUOTE_NON_FINITE } from '../json-values.js';
import { windowWhere, type MillisRange, type PredictionScope } from './predictions.js';
import type { SegmentGrouping } from './segments.js';
import type { StoredReference } from './reference-profiles.js';

/**
 * The reads of multivariate (data-reconstruction) drift, each one aggregation in ClickHouse over
 * the rows' feature maps: the standardised vector z of a row (the SQL twin of `standardize` in
 * `@inferlens/stats`), the reference's Gram matrix Σ z zᵀ (`sumForEach` over the outer product),
 * the reference chunks' mean reconstruction error, and a window's error summary. Only the sums
 * travel back; `@inferlens/stats` fits the components and decides.
 */

/** Where a reference's rows are: an uploaded data set, or a pinned range of a version's predictions. */
export type ReferenceRows =
  | { kind: 'dataset'; project: string; referenceId: string }
  | { kind: 'pinned'; project: string; model: string; version: string; fromMs: number; toMs: number };

/** Where a stored reference's rows are: its pinned range of predictions, else its uploaded data set. */
export function referenceRowsOf(r: StoredReference): ReferenceRows {
  if (r.kind === 'pinned' && r.sourceFromMs !== null && r.sourceToMs !== null) {
    return { kind: 'pinned', project: r.project, model: r.model, version: r.sourceVersion, fromMs: r.sourceFromMs, toMs: r.sourceToMs };
  }
  return { kind: 'dataset', project: r.project, referenceId: r.referenceId };
}

/** A float as a SQL literal (shortest round-trip text; the values are finite). */
const lit = (x: number): string => `(${Number.isFinite(x) ? String(x) : '0'})`;

/**
 * The row's standardised vector as a SQL array expression over `NumericFeatures` and
 * `CategoricalFeatures`; feature names and categories are bound as parameters (added to `params`).
 */
export function standardizedSql(encoding: ReconstructionEncoding, params: QueryParams): string {
  const items = encoding.features.map((f, j) => {
    params[`mvf${j}`] = f.name;
    const name = `{mvf${j}:String}`;
    if (f.kind === 'numerical') {
      return `if(mapContains(NumericFeatures, ${name}) AND isFinite(NumericFeatures[${name}]), (NumericFeatures[${name}] - ${lit(f.mean)}) / ${lit(f.scale)}, 0.)`;
    }
    const categories = Object.keys(f.frequencies);
    params[`mvc${j}`] = categories;
    params[`mvv${j}`] = categories.map((c) => f.frequencies[c]);
    const encoded = `if(mapContains(CategoricalFeatures, ${name}), transform(CategoricalFeatures[${name}], {mvc${j}:Array(String)}, {mvv${j}:Array(Float64)}, toFloat64(0)), ${lit(f.fill)})`;
    return `(${encoded} - ${lit(f.mean)}) / ${lit(f.scale)}`;
  });
  return `[${items.join(', ')}]`;
}

/**
 * The reconstruction error of the row whose vector is `Z`: ‖Z − Wᵀ W Z‖ with the kept components
 * W inlined (the SQL twin of `reconstructionError`).
 */
function errorSql(model: ReconstructionModel): string {
  const d = model.encoding.features.length;
  const w = `[${model.components.map((c) => `[${c.map(lit).join(', ')}]`).join(', ')}]`;
  const projected = `arrayMap(w -> arraySum(arrayMap((a, b) -> a * b, w, Z)), ${w})`;
  const reconstructed = `arrayMap(j -> arraySum(arrayMap((w, p) -> w[j] * p, ${w}, ${projected})), range(1, ${d + 1}))`;
  return `sqrt(arraySum(arrayMap((z, r) -> (z - r) * (z - r), Z, ${reconstructed})))`;
}

/** Where a reference's rows are, as a table and a WHERE condition (its values bound into `params`), and their order. */
export function referenceRowsSource(rows: ReferenceRows, params: QueryParams): { table: 'reference_data' | 'predictions'; where: string; order: string } {
  params.project = rows.project;
  if (rows.kind === 'dataset') {
    params.referenceId = rows.referenceId;
    return { table: 'reference_data', where: 'Project = {project:String} AND ReferenceId = {referenceId:String}', order: 'RowIndex' };
  }
  Object.assign(params, { model: rows.model, version: rows.version, from: rows.fromMs, to: rows.toMs });
  return {
    table: 'predictions',
    where: 'Project = {project:String} AND ModelName = {model:String} AND ModelVersion = {version:String} AND Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp < fromUnixTimestamp64Milli({to:Int64})',
    order: 'Timestamp, PredictionId',
  };
}

/** The reference's rows and Gram matrix Σ z zᵀ of its standardised vectors (d × d). */
export async function referenceGram(store: ClickHouseStore, rows: ReferenceRows, encoding: ReconstructionEncoding): Promise<{ rows: number; gram: number[][] }> {
  const d = encoding.features.length;
  const params: QueryParams = {};
  const s = referenceRowsSource(rows, params);
  const [r] = await store.query<{ n: string | number; G: Array<number | string> }>(
    `SELECT count() AS n, sumForEach(arrayFlatten(arrayMap(a -> arrayMap(b -> a * b, Z), Z))) AS G
     FROM (SELECT ${standardizedSql(encoding, params)} AS Z FROM ${s.table} WHERE ${s.where})${QUOTE_NON_FINITE}`,
    params,
  );
  const flat = (r?.G ?? []).map(fromJsonFloat);
  const gram = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => flat[i * d + j] ?? 0));
  return { rows: Number(r?.n ?? 0), gram };
}

/**
 * The mean reconstruction error of each of `chunks` consecutive chunks of the reference's rows
 * (upload order for a data set, event time for a pinned range): row r (from 0) of the n rows is in
 * chunk ⌊r·k/n⌋, as `chunkOf` of `@inferlens/stats` (chunk c holds rows [⌈c·n/k⌉, ⌈(c+1)·n/k⌉), sizes
 * differing by at most one).
 */
export async function referenceChunkErrors(store: ClickHouseStore, rows: ReferenceRows, model: ReconstructionModel, chunks: number): Promise<number[]> {
  const params: QueryParams = { chunks, n: model.encoding.rows };
  const s = referenceRowsSource(rows, params);
  const result = await store.query<{ chunk: string | number; e: number | string }>(
    `SELECT intDiv(i * {chunks:UInt64}, {n:UInt64}) AS chunk, avg(${errorSql(model)}) AS e
     FROM (SELECT ${standardizedSql(model.encoding, params)} AS Z, row_number() OVER (ORDER BY ${s.order}) - 1 AS i FROM ${s.table} WHERE ${s.where})
     GROUP BY chunk ORDER BY chunk${QUOTE_NON_FINITE}`,
    params,
  );
  const out = new Array<number>(chunks).fill(Number.NaN);
  for (const r of result) if (Number(r.chunk) < chunks) out[Number(r.chunk)] = fromJsonFloat(r.e);
  return out;
}

/** A window's rows and the mean and standard deviation (ddof 1) of their reconstruction errors. */
export async function windowReconstructionErrors(store: ClickHouseStore, scope: PredictionScope, range: MillisRange, model: ReconstructionModel): Promise<{ rows: number; mean: number; std: number }> {
  const w = windowWhere(scope, range);
  const params: QueryParams = { ...w.params };
  const [r] = await store.query<{ n: string | number; m: number | string; s: number | string }>(
    `SELECT count() AS n, avg(e) AS m, stddevSamp(e) AS s
     FROM (SELECT ${errorSql(model)} AS e FROM (SELECT ${standardizedSql(model.encoding, params)} AS Z FROM predictions WHERE ${w.where}))${QUOTE_NON_FINITE}`,
    params,
  );
  return { rows: Number(r?.n ?? 0), mean: r ? fromJsonFloat(r.m) : Number.NaN, std: r ? fromJsonFloat(r.s) : Number.NaN };
}

/** One segment's reference rows and the mean reconstruction error of each of its chunks. */
export interface SegmentChunkErrors {
  rows: number;
  chunks: number[];
}

/**
 * Per segment of `grouping` (see `segments.ts`): the reference's rows of that segment, in the same
 * order as {@link referenceChunkErrors} (upload order, or event time), cut into `chunks` consecutive
 * chunks by the same rule (row r of the segment's n rows in chunk ⌊r·k/n⌋),
 * and each chunk's mean error under `model` (fitted on the whole reference). One aggregation; a
 * segment without rows is absent. The reference must have the grouping's column (a pinned range,
 * or a data set when the segments are a feature's values).
 */
export async function referenceSegmentChunkErrors(
  store: ClickHouseStore,
  rows: ReferenceRows,
  model: ReconstructionModel,
  chunks: number,
  grouping: SegmentGrouping,
): Promise<Map<string, SegmentChunkErrors>> {
  const params: QueryParams = { ...grouping.params, chunks };
  const s = referenceRowsSource(rows, params);
  // The rows are numbered in the reference's order once (as for the whole reference), each
  // segment's errors gathered in that order and numbered within it by position. Numbering them
  // with row_number() OVER (PARTITION BY segment ...) and count() OVER the segment instead took
  // 7-10 s against 1.5 s on 100k rows × 20 features the first time a model ran (chDB).
  const result = await store.query<{ segment: string; n: string | number; chunk: string | number; e: number | string }>(
    `SELECT segment, n, intDiv((j - 1) * {chunks:UInt64}, n) AS chunk, avg(e) AS e
     FROM (SELECT segment, length(es) AS n, es
           FROM (SELECT segment, arrayMap(t -> t.2, arraySort(groupArray((i, e)))) AS es
                 FROM (SELECT segment, ${errorSql(model)} AS e, i
                       FROM (SELECT ${grouping.expr} AS segment, ${standardizedSql(model.encoding, params)} AS Z, row_number() OVER (ORDER BY ${s.order}) AS i
                             FROM ${s.table} WHERE ${s.where} AND ${grouping.where}))
                 GROUP BY segment))
     ARRAY JOIN es AS e, arrayEnumerate(es) AS j
     GROUP BY segment, n, chunk ORDER BY segment, chunk${QUOTE_NON_FINITE}`,
    params,
  );
  const out = new Map<string, SegmentChunkErrors>();
  for (const r of result) {
    let g = out.get(r.segment);
    if (!g) out.set(r.segment, (g = { rows: Number(r.n), chunks: new Array<number>(chunks).fill(Number.NaN) }));
    if (Number(r.chunk) < chunks) g.chunks[Number(r.chunk)] = fromJsonFloat(r.e);
  }
  return out;
}

/** A window's error summary: its rows and the mean and standard deviation (ddof 1) of their reconstruction errors. */
export interface ErrorSummary {
  rows: number;
  mean: number;
  std: number;
}

/**
 * A window's error summary, whole and per segment of `grouping`, in one pass over its rows (each
 * row's error computed once). The engine groups by segment (rows without a value in a group of
 * their own); the whole window's mean and standard deviation are pooled from the groups' (count,
 * mean, sum of squared deviations: Chan et al.'s parallel formula, exact up to rounding).
 */
export async function windowSegmentReconstructionErrors(
  store: ClickHouseStore,
  scope: PredictionScope,
  range: MillisRange,
  model: ReconstructionModel,
  grouping: SegmentGrouping,
): Promise<{ overall: ErrorSummary; segments: Map<string, ErrorSummary> }> {
  const w = windowWhere(scope, range);
  const params: QueryParams = { ...w.params, ...grouping.params };
  // GROUPING SETS ((segment), ()) instead took 2.8x the whole window's read alone on 1M rows (a loaded machine).
  const result = await store.query<{ segment: string; n: string | number; m: number | string; v: number | string }>(
    `SELECT segment, count() AS n, avg(e) AS m, varSamp(e) AS v
     FROM (SELECT segment, ${errorSql(model)} AS e FROM (SELECT if(${grouping.where}, ${grouping.expr}, '') AS segment, ${standardizedSql(model.encoding, params)} AS Z FROM predictions WHERE ${w.where}))
     GROUP BY segment${QUOTE_NON_FINITE}`,
    params,
  );
  const groups = result.map((r) => ({ segment: r.segment, n: Number(r.n), mean: fromJsonFloat(r.m), variance: fromJsonFloat(r.v) }));
  const segments = new Map<string, ErrorSummary>();
  for (const g of groups) if (g.segment !== '') segments.set(g.segment, { rows: g.n, mean: g.mean, std: Math.sqrt(g.variance) });
  return { overall: pooled(groups), segments };
}

/** The summary of the union of groups given as (rows, mean, sample variance). */
export function pooled(groups: ReadonlyArray<{ n: number; mean: number; variance: number }>): ErrorSummary {
  const n = groups.reduce((a, g) => a + g.n, 0);
  if (n === 0) return { rows: 0, mean: Number.NaN, std: Number.NaN };
  const mean = groups.reduce((a, g) => a + g.n * g.mean, 0) / n;
  // Σ of squared deviations: each group's own (variance × (n − 1); 0 for one row), plus its rows' offset from the pooled mean.
  const m2 = groups.reduce((a, g) => a + (g.n > 1 ? g.variance * (g.n - 1) : 0) + g.n * (g.mean - mean) ** 2, 0);
  return { rows: n, mean, std: n > 1 ? Math.sqrt(m2 / (n - 1)) : Number.NaN };
}
