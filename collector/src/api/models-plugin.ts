import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { RequestInvalidError } from '../errors.js';
import { parseTimeParam } from './read-plugin.js';
import { projectOf } from '../http/request-context.js';
import { boundProject } from '../auth/Principal.js';
import { modelTraffic, projectsWithPredictions, trafficSeries } from '../store/repositories/predictions.js';

const DAY_MS = 86_400_000;
/** Most points a time series answer holds; a longer range gets a wider step. */
const MAX_POINTS = 1000;
/** Steps offered when none is asked for: the smallest that keeps a range under ~200 points. */
const AUTO_STEPS = [60, 300, 900, 3600, 6 * 3600, 86_400];

const Range = {
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  from: Type.Optional(Type.String({ description: 'prediction time at or after; ISO-8601 or Unix milliseconds; default 24 h before `to`' })),
  to: Type.Optional(Type.String({ description: 'prediction time before; ISO-8601 or Unix milliseconds; default now' })),
};

const ModelsQuery = Type.Object(Range);

const SeriesQuery = Type.Object({
  ...Range,
  model: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.Optional(Type.String({ maxLength: 256 })),
  step: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400, description: 'bucket width in seconds; default: chosen from the range' })),
});

type Cell = string | number | null;

/** `from`/`to` in Unix nanoseconds (strings), with the defaults: the 24 hours before now. */
function timeRange(q: { from?: string | undefined; to?: string | undefined }): { from: string; to: string; spanMs: number } {
  const to = parseTimeParam('to', q.to) ?? (BigInt(Date.now()) * 1_000_000n).toString();
  const from = parseTimeParam('from', q.from) ?? (BigInt(to) - BigInt(DAY_MS) * 1_000_000n).toString();
  const spanMs = Number((BigInt(to) - BigInt(from)) / 1_000_000n);
  if (spanMs <= 0) throw new RequestInvalidError(`query parameters from and to: from must be before to`);
  return { from, to, spanMs };
}

const num = (x: Cell): number | null => (x === null ? null : Number(x));

/**
 * `GET /api/v1/projects`: the projects with predictions in a time range.
 * `GET /api/v1/models`: every model version with predictions in a time range, with its traffic
 * (predictions, errors, latency percentiles, first and last prediction), busiest first.
 * `GET /api/v1/timeseries`: one model's traffic per time step and version, for charts.
 * `estimatedPredictions` re-weights sampled records by their `SampleRate` (Σ 1/rate): the calls
 * the service made, where `predictions` counts the records stored.
 * Latency percentiles come from ClickHouse's `quantiles` (a reservoir sample of 8192 values per
 * group: exact up to that many predictions, approximate above).
 */
export async function modelsPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/projects', { schema: { querystring: Type.Object({ from: Range.from, to: Range.to }) } }, async (request) => {
    const range = timeRange(request.query);
    const bound = boundProject(request.principal);
    const rows = (await projectsWithPredictions(app.store, range)).filter((r) => bound === undefined || r.Project === bound);
    return { projects: rows.map((r) => ({ project: r.Project, predictions: Number(r.Predictions), lastPrediction: new Date(Number(r.LastMs)).toISOString() })) };
  });

  api.get('/api/v1/models', { schema: { querystring: ModelsQuery } }, async (request) => {
    const q = request.query;
    const range = timeRange(q);
    const rows = await modelTraffic(app.store, { project: q.project ?? projectOf(request) }, range);
    return {
      from: new Date(Number(BigInt(range.from) / 1_000_000n)).toISOString(),
      to: new Date(Number(BigInt(range.to) / 1_000_000n)).toISOString(),
      models: rows.map((r) => {
        const latency = (r.Latency as unknown as Cell[]).map(num);
        const predictions = Number(r.Predictions);
        const errors = Number(r.Errors);
        return {
          model: r.ModelName,
          version: r.ModelVersion,
          predictions,
          estimatedPredictions: Number(r.Estimated),
          errors,
          errorRate: predictions > 0 ? errors / predictions : 0,
          latencyMs: { p50: latency[0] ?? null, p95: latency[1] ?? null, p99: latency[2] ?? null },
          firstPrediction: new Date(Number(r.FirstMs)).toISOString(),
          lastPrediction: new Date(Number(r.LastMs)).toISOString(),
        };
      }),
    };
  });

  api.get('/api/v1/timeseries', { schema: { querystring: SeriesQuery } }, async (request) => {
    const q = request.query;
    const range = timeRange(q);
    const step = q.step ?? AUTO_STEPS.find((s) => range.spanMs / 1000 / s <= 200) ?? AUTO_STEPS[AUTO_STEPS.length - 1]!;
    if (range.spanMs / 1000 / step > MAX_POINTS) {
      throw new RequestInvalidError(
        q.step === undefined
          ? `query parameters from and to: the range is too long for a time series (at most ${MAX_POINTS} days)`
          : `query parameter step: ${step} s gives more than ${MAX_POINTS} points over this range; use a wider step or a shorter range`,
      );
    }
    const rows = await trafficSeries(app.store, { project: q.project ?? projectOf(request), model: q.model, version: q.version }, range, step);
    const series = new Map<string, Array<{ time: string; predictions: number; estimatedPredictions: number; errors: number; latencyP50Ms: number | null; latencyP99Ms: number | null }>>();
    for (const r of rows) {
      const latency = (r.Latency as unknown as Cell[]).map(num);
      const points = series.get(String(r.ModelVersion)) ?? [];
      points.push({
        time: new Date(Number(r.T) * 1000).toISOString(),
        predictions: Number(r.Predictions),
        estimatedPredictions: Number(r.Estimated),
        errors: Number(r.Errors),
        latencyP50Ms: latency[0] ?? null,
        latencyP99Ms: latency[1] ?? null,
      });
      series.set(String(r.ModelVersion), points);
    }
    return { model: q.model, stepSeconds: step, series: [...series].map(([version, points]) => ({ version, points })) };
  });
}
