import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { useJsonErrors } from '../ingest/errors-reply.js';
import { windowResultFilter } from './sql-filter.js';

const QualityQuery = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  model: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.Optional(Type.String({ maxLength: 256 })),
  feature: Type.Optional(Type.String({ maxLength: 256 })),
  metric: Type.Optional(
    Type.Union(
      ['missing_rate', 'type_mismatch_rate', 'out_of_range_rate', 'unseen_category_rate', 'appeared', 'disappeared'].map((m) => Type.Literal(m)),
    ),
  ),
  from: Type.Optional(Type.String({ description: 'window start at or after; ISO-8601 or Unix milliseconds' })),
  to: Type.Optional(Type.String({ description: 'window start before; ISO-8601 or Unix milliseconds' })),
  nonZero: Type.Optional(Type.Boolean({ description: 'only measures with a value above 0' })),
  limit: Type.Integer({ minimum: 1, maximum: 100000, default: 10000 }),
});

/** `GET /api/v1/data-quality`: data-quality measures per closed drift window, oldest first. */
export async function dataQualityPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  useJsonErrors(app, 'data-quality API request failed');
  api.get('/api/v1/data-quality', { schema: { querystring: QualityQuery } }, async (request) => {
    const q = request.query;
    const filter = windowResultFilter(request, q);
    filter.add('Feature = {feature:String}', 'feature', q.feature);
    filter.add('Metric = {metric:String}', 'metric', q.metric);
    if (q.nonZero) filter.addRaw('Value > 0');
    const rows = await app.store.query<{ ModelVersion: string; ws: string; we: string; Source: string; Feature: string; Metric: string; Value: number | string; Count: number | string; ReferenceId: string }>(
      `SELECT ModelVersion, toString(toUnixTimestamp64Milli(WindowStart)) AS ws, toString(toUnixTimestamp64Milli(WindowEnd)) AS we,
              Source, Feature, Metric, Value, Count, ReferenceId
       FROM data_quality_results FINAL WHERE ${filter.where()}
       ORDER BY WindowStart, ModelVersion, Source, Feature, Metric LIMIT {limit:UInt32}`,
      filter.params,
    );
    return {
      results: rows.map((r) => ({
        version: r.ModelVersion,
        windowStart: new Date(Number(r.ws)).toISOString(),
        windowEnd: new Date(Number(r.we)).toISOString(),
        source: r.Source,
        feature: r.Feature,
        metric: r.Metric,
        value: Number(r.Value),
        count: Number(r.Count),
        referenceId: r.ReferenceId,
      })),
    };
  });
}
