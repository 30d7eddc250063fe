import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { applyRetryAfter, toErrorReply } from '../ingest/errors-reply.js';
import { projectOf } from '../ingest/request-context.js';
import { parseTimeParam } from './read-plugin.js';

const DriftQuery = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.Optional(Type.String({ maxLength: 256 })),
  feature: Type.Optional(Type.String({ maxLength: 256, description: 'a column name, or * for the data-set rows' })),
  source: Type.Optional(Type.Union([Type.Literal('feature'), Type.Literal('output'), Type.Literal('dataset')])),
  from: Type.Optional(Type.String({ description: 'window start at or after; ISO-8601 or Unix milliseconds' })),
  to: Type.Optional(Type.String({ description: 'window start before; ISO-8601 or Unix milliseconds' })),
  drifted: Type.Optional(Type.Boolean({ description: 'only drifted (true) or only not drifted (false)' })),
  limit: Type.Integer({ minimum: 1, maximum: 100000, default: 10000 }),
});

interface DriftRow {
  ModelName: string;
  ModelVersion: string;
  windowStart: string;
  windowEnd: string;
  Source: string;
  Feature: string;
  Kind: string;
  Method: string;
  Statistic: number | string;
  PValue: number | string | null;
  Threshold: number | string;
  Drifted: number;
  Status: string;
  ReferenceRows: string | number;
  CurrentRows: string | number;
  Metrics: string;
  ReferenceId: string;
}

/** `GET /api/v1/drift`: drift results per closed window, oldest window first. */
export async function driftPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler((err, request, reply) => {
    const e = toErrorReply(err, request);
    if (e.statusCode >= 500) request.log.error({ err }, 'drift API request failed');
    applyRetryAfter(reply, e);
    return reply.code(e.statusCode).send({ error: e.code, message: e.message });
  });
  api.get('/api/v1/drift', { schema: { querystring: DriftQuery } }, async (request) => {
    const q = request.query;
    const where = ['Project = {project:String}', 'ModelName = {model:String}'];
    const params: Record<string, unknown> = { project: q.project ?? projectOf(request), model: q.model, limit: q.limit };
    const add = (cond: string, name: string, value: unknown) => {
      where.push(cond);
      params[name] = value;
    };
    if (q.version !== undefined) add('ModelVersion = {version:String}', 'version', q.version);
    if (q.feature !== undefined) add('Feature = {feature:String}', 'feature', q.feature);
    if (q.source !== undefined) add('Source = {source:String}', 'source', q.source);
    const from = parseTimeParam('from', q.from);
    const to = parseTimeParam('to', q.to);
    if (from !== undefined) add('WindowStart >= fromUnixTimestamp64Nano({from:Int64})', 'from', from);
    if (to !== undefined) add('WindowStart < fromUnixTimestamp64Nano({to:Int64})', 'to', to);
    if (q.drifted !== undefined) add('Drifted = {drifted:UInt8}', 'drifted', q.drifted ? 1 : 0);
    const rows = await app.store.query<DriftRow>(
      `SELECT ModelName, ModelVersion, toString(toUnixTimestamp64Milli(WindowStart)) AS windowStart, toString(toUnixTimestamp64Milli(WindowEnd)) AS windowEnd,
              Source, Feature, Kind, Method, Statistic, PValue, Threshold, Drifted, Status, ReferenceRows, CurrentRows, Metrics, ReferenceId
       FROM drift_results FINAL WHERE ${where.join(' AND ')}
       ORDER BY WindowStart, ModelVersion, Source, Feature LIMIT {limit:UInt32}`,
      params,
    );
    return {
      results: rows.map((r) => ({
        model: r.ModelName,
        version: r.ModelVersion,
        windowStart: new Date(Number(r.windowStart)).toISOString(),
        windowEnd: new Date(Number(r.windowEnd)).toISOString(),
        source: r.Source,
        feature: r.Feature,
        kind: r.Kind,
        method: r.Method,
        statistic: Number(r.Statistic),
        pValue: r.PValue === null ? null : Number(r.PValue),
        threshold: Number(r.Threshold),
        drifted: Number(r.Drifted) === 1,
        status: r.Status,
        referenceRows: Number(r.ReferenceRows),
        currentRows: Number(r.CurrentRows),
        referenceId: r.ReferenceId,
        metrics: JSON.parse(r.Metrics) as unknown,
      })),
    };
  });
}
