import type { ClickHouseStore, QueryParams } from '../ClickHouseStore.js';
import { PREDICTIONS } from '../schema/predictions.js';
import { modelFilter, SqlFilter, type ModelScope, type NanoRange } from './SqlFilter.js';

/**
 * Reads of `predictions`: the streams the windowed jobs follow (times in Unix ms) and what the
 * read API lists and charts (times in Unix ns as decimal strings, from `parseTimeParam`).
 */

/** One stream of predictions: a model version of a project, optionally one environment's. */
export interface PredictionScope {
  project: string;
  model: string;
  version: string;
  environment?: string | undefined;
}

/** A window of event time, `[fromMs, toMs)`, Unix ms. */
export interface MillisRange {
  fromMs: number;
  toMs: number;
}

const STREAM_WHERE = 'Project = {project:String} AND ModelName = {model:String} AND ModelVersion = {version:String}';
const WINDOW_WHERE = 'Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp < fromUnixTimestamp64Milli({to:Int64})';

/** The WHERE condition of a stream and its parameters (for this module and the joins of `prediction-feedback.ts`). */
export function streamWhere(scope: PredictionScope): { where: string; params: QueryParams } {
  const params: QueryParams = { project: scope.project, model: scope.model, version: scope.version };
  if (scope.environment === undefined) return { where: STREAM_WHERE, params };
  return { where: `${STREAM_WHERE} AND (Environment = {environment:String})`, params: { ...params, environment: scope.environment } };
}

/** The WHERE condition of a stream's window `[from, to)` and its parameters. */
export function windowWhere(scope: PredictionScope, range: MillisRange): { where: string; params: QueryParams } {
  const s = streamWhere(scope);
  return { where: `${s.where} AND ${WINDOW_WHERE}`, params: { ...s.params, from: range.fromMs, to: range.toMs } };
}

/** Predictions of a stream at or after `fromMs`: how many, and their first and last event time (Unix ms). */
export async function streamSpan(store: ClickHouseStore, scope: PredictionScope, fromMs: number): Promise<{ rows: number; firstMs: number; lastMs: number }> {
  const s = streamWhere(scope);
  const [span] = await store.query<{ n: string | number; minTs: string | number; maxTs: string | number }>(
    `SELECT count() AS n, toUnixTimestamp64Milli(min(Timestamp)) AS minTs, toUnixTimestamp64Milli(max(Timestamp)) AS maxTs
     FROM predictions WHERE ${s.where} AND Timestamp >= fromUnixTimestamp64Milli({from:Int64})`,
    { ...s.params, from: fromMs },
  );
  return { rows: Number(span?.n ?? 0), firstMs: Number(span?.minTs), lastMs: Number(span?.maxTs) };
}

/** The event time (Unix ms) of a stream's first prediction at or after `fromMs`; undefined when there is none. */
export async function firstPredictionFrom(store: ClickHouseStore, scope: PredictionScope, fromMs: number): Promise<number | undefined> {
  const s = streamWhere(scope);
  const [next] = await store.query<{ n: string | number; t: string | number }>(
    `SELECT count() AS n, toUnixTimestamp64Milli(min(Timestamp)) AS t FROM predictions WHERE ${s.where} AND Timestamp >= fromUnixTimestamp64Milli({from:Int64})`,
    { ...s.params, from: fromMs },
  );
  return next && Number(next.n) > 0 ? Number(next.t) : undefined;
}

/** Predictions in a stream's window. */
export async function countPredictions(store: ClickHouseStore, scope: PredictionScope, range: MillisRange): Promise<number> {
  const w = windowWhere(scope, range);
  const [count] = await store.query<{ n: string }>(`SELECT count() AS n FROM predictions WHERE ${w.where}`, w.params);
  return Number(count?.n ?? 0);
}

/** What the SLA job reads of one window: rows, requests and errors (each row weighted by 1 / SampleRate), latency percentiles of successes. */
export interface SlaWindowTotals {
  rows: number;
  requests: number;
  errors: number;
  /** p50, p90, p95, p99 of successful predictions' latency (exact, linear interpolation; null without any). */
  quantiles: Array<number | null>;
  /** The percentile asked for. */
  percentile: number | null;
}

/** A window's totals and exact latency percentiles for the SLA job. @param percentile in (0, 1) */
export async function slaWindowTotals(store: ClickHouseStore, scope: PredictionScope, range: MillisRange, percentile: number): Promise<SlaWindowTotals | undefined> {
  const w = windowWhere(scope, range);
  const [row] = await store.query<{ n: string; requests: number; errors: number; q: Array<number | null>; qp: number | null }>(
    `SELECT count() AS n, sum(1 / SampleRate) AS requests, sumIf(1 / SampleRate, Status = 'error') AS errors,
            quantilesExactInclusiveIf(0.5, 0.9, 0.95, 0.99)(LatencyMs, Status != 'error') AS q,
            quantileExactInclusiveIf({p:Float64})(LatencyMs, Status != 'error') AS qp
     FROM predictions WHERE ${w.where}`,
    { ...w.params, p: percentile },
  );
  if (!row || Number(row.n) === 0) return undefined;
  return { rows: Number(row.n), requests: Number(row.requests), errors: Number(row.errors), quantiles: row.q ?? [], percentile: row.qp };
}

/**
 * Requests and errors (weighted by 1 / SampleRate) over each period ending at `endMs`, in one pass
 * over the longest: `requests[i]` and `errors[i]` for `periodsSeconds[i]`.
 */
export async function slaPeriodTotals(store: ClickHouseStore, scope: PredictionScope, endMs: number, periodsSeconds: readonly number[]): Promise<{ requests: number[]; errors: number[] }> {
  const s = streamWhere(scope);
  const params: QueryParams = { ...s.params, to: endMs, from: endMs - Math.max(...periodsSeconds) * 1000 };
  const cols = periodsSeconds.map((seconds, i) => {
    params[`s${i}`] = endMs - seconds * 1000;
    const cond = `Timestamp >= fromUnixTimestamp64Milli({s${i}:Int64})`;
    return `sumIf(1 / SampleRate, ${cond}) AS t${i}, sumIf(1 / SampleRate, ${cond} AND Status = 'error') AS e${i}`;
  });
  const [agg] = await store.query<Record<string, number>>(`SELECT ${cols.join(', ')} FROM predictions WHERE ${s.where} AND ${WINDOW_WHERE}`, params);
  return {
    requests: periodsSeconds.map((_, i) => Number(agg?.[`t${i}`] ?? 0)),
    errors: periodsSeconds.map((_, i) => Number(agg?.[`e${i}`] ?? 0)),
  };
}

// ---------------------------------------------------------------- the read API

/** The columns of a prediction as read (every inserted column, the time as Unix ns text). */
const PREDICTION_COLUMNS_SQL = [
  'toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano',
  ...PREDICTIONS.columns.filter((c) => c !== 'Timestamp'),
].join(', ');

/** A `predictions` row as read: its columns, the time as Unix nanoseconds (text). */
export interface StoredPrediction {
  timeUnixNano: string;
  PredictionId: string;
  TraceId: string;
  SpanId: string;
  Project: string;
  ServiceName: string;
  ModelName: string;
  ModelVersion: string;
  Environment: string;
  Segment: string;
  LatencyMs: number | string;
  Status: string;
  ErrorType: string;
  NumericFeatures: Record<string, number>;
  CategoricalFeatures: Record<string, string>;
  NumericOutputs: Record<string, number>;
  CategoricalOutputs: Record<string, string>;
  InputTokens: number | string;
  OutputTokens: number | string;
  SampleRate: number | string;
  Attributes: Record<string, string>;
}

/** Which predictions to list. */
export interface PredictionListFilter extends NanoRange {
  project: string;
  model?: string | undefined;
  version?: string | undefined;
  predictionId?: string | undefined;
  limit: number;
}

/** Predictions, newest first. */
export function listPredictions(store: ClickHouseStore, f: PredictionListFilter): Promise<StoredPrediction[]> {
  const filter = modelFilter(f).add('PredictionId = {predictionId:String}', 'predictionId', f.predictionId).timeRange('Timestamp', f.from, f.to).bind('limit', f.limit);
  return store.query<StoredPrediction>(
    `SELECT ${PREDICTION_COLUMNS_SQL} FROM predictions WHERE ${filter.where()}
     ORDER BY Timestamp DESC, PredictionId LIMIT {limit:UInt32}`,
    filter.params,
  );
}

/** The predictions recorded in a trace, oldest first. */
export function predictionsOfTrace(store: ClickHouseStore, project: string, traceId: string): Promise<StoredPrediction[]> {
  return store.query<StoredPrediction>(
    `SELECT ${PREDICTION_COLUMNS_SQL} FROM predictions WHERE Project = {project:String} AND TraceId = {traceId:String}
     ORDER BY Timestamp, PredictionId LIMIT 10000`,
    { project, traceId },
  );
}

type Cell = string | number | null;

/** The projects with predictions in a range: count and last prediction (Unix ms text). */
export function projectsWithPredictions(store: ClickHouseStore, range: Required<NanoRange>): Promise<Array<Record<string, Cell>>> {
  const filter = new SqlFilter().timeRange('Timestamp', range.from, range.to);
  return store.query<Record<string, Cell>>(
    `SELECT Project, count() AS Predictions, toString(toUnixTimestamp64Milli(max(Timestamp))) AS LastMs
     FROM predictions WHERE ${filter.where()}
     GROUP BY Project ORDER BY Project LIMIT 1000`,
    filter.params,
  );
}

/**
 * Each model version's traffic in a range, busiest first: predictions, errors, estimated calls
 * (Σ 1/SampleRate), latency p50/p95/p99 (`quantiles`: a reservoir of 8192 per group), first and
 * last prediction.
 */
export function modelTraffic(store: ClickHouseStore, scope: Omit<ModelScope, 'model' | 'version'>, range: Required<NanoRange>): Promise<Array<Record<string, Cell>>> {
  const filter = modelFilter(scope).timeRange('Timestamp', range.from, range.to);
  return store.query<Record<string, Cell>>(
    `SELECT ModelName, ModelVersion, count() AS Predictions, countIf(Status = 'error') AS Errors,
            sum(if(SampleRate > 0, 1 / SampleRate, 1)) AS Estimated,
            quantiles(0.5, 0.95, 0.99)(LatencyMs) AS Latency,
            toString(toUnixTimestamp64Milli(min(Timestamp))) AS FirstMs, toString(toUnixTimestamp64Milli(max(Timestamp))) AS LastMs
     FROM predictions WHERE ${filter.where()}
     GROUP BY ModelName, ModelVersion ORDER BY Predictions DESC, ModelName, ModelVersion LIMIT 1000`,
    filter.params,
  );
}

/** One model's traffic per step (seconds) and version over a range: predictions, estimated calls, errors, latency p50/p99. */
export function trafficSeries(store: ClickHouseStore, scope: ModelScope, range: Required<NanoRange>, stepSeconds: number): Promise<Array<Record<string, Cell>>> {
  const filter = modelFilter(scope).timeRange('Timestamp', range.from, range.to).bind('step', stepSeconds);
  return store.query<Record<string, Cell>>(
    `SELECT ModelVersion, toString(toUnixTimestamp(toStartOfInterval(Timestamp, toIntervalSecond({step:UInt32})))) AS T,
            count() AS Predictions, sum(if(SampleRate > 0, 1 / SampleRate, 1)) AS Estimated, countIf(Status = 'error') AS Errors,
            quantiles(0.5, 0.99)(LatencyMs) AS Latency
     FROM predictions WHERE ${filter.where()}
     GROUP BY ModelVersion, T ORDER BY ModelVersion, T`,
    filter.params,
  );
}
