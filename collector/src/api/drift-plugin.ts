import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { useJsonErrors } from '../ingest/errors-reply.js';
import { windowResultFilter } from './sql-filter.js';

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
  useJsonErrors(app, 'drift API request failed');
  api.get('/api/v1/drift', { schema: { querystring: DriftQuery } }, async (request) => {
    const q = request.query;
    const filter = windowResultFilter(request, q);
    filter.add('Feature = {feature:String}', 'feature', q.feature);
    filter.add('Source = {source:String}', 'source', q.source);
    filter.add('Drifted = {drifted:UInt8}', 'drifted', q.drifted === undefined ? undefined : q.drifted ? 1 : 0);
    const rows = await app.store.query<DriftRow>(
      `SELECT ModelName, ModelVersion, toString(toUnixTimestamp64Milli(WindowStart)) AS windowStart, toString(toUnixTimestamp64Milli(WindowEnd)) AS windowEnd,
              Source, Feature, Kind, Method, Statistic, PValue, Threshold, Drifted, Status, ReferenceRows, CurrentRows, Metrics, ReferenceId
       FROM drift_results FINAL WHERE ${filter.where()}
       ORDER BY WindowStart, ModelVersion, Source, Feature LIMIT {limit:UInt32}`,
      filter.params,
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
