import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { WindowModelFields, WindowRangeFields, WindowResultLimit, WINDOW_BOUNDS_SQL, windowBounds, windowResultFilter } from './window-results.js';

const QualityQuery = Type.Object({
  ...WindowModelFields,
  // Replaces the shared field in place (the key keeps its position): this endpoint takes up to 256 characters.
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  feature: Type.Optional(Type.String({ maxLength: 256 })),
  metric: Type.Optional(
    Type.Union(
      ['missing_rate', 'type_mismatch_rate', 'out_of_range_rate', 'unseen_category_rate', 'appeared', 'disappeared'].map((m) => Type.Literal(m)),
    ),
  ),
  ...WindowRangeFields,
  nonZero: Type.Optional(Type.Boolean({ description: 'only measures with a value above 0' })),
  limit: WindowResultLimit,
});

/** `GET /api/v1/data-quality`: data-quality measures per closed drift window, oldest first. */
export async function dataQualityPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/data-quality', { schema: { querystring: QualityQuery } }, async (request) => {
    const q = request.query;
    const filter = windowResultFilter(request, q);
    filter.add('Feature = {feature:String}', 'feature', q.feature);
    filter.add('Metric = {metric:String}', 'metric', q.metric);
    if (q.nonZero) filter.addRaw('Value > 0');
    const rows = await app.store.query<{ ModelVersion: string; windowStart: string; windowEnd: string; Source: string; Feature: string; Metric: string; Value: number | string; Count: number | string; ReferenceId: string }>(
      `SELECT ModelVersion, ${WINDOW_BOUNDS_SQL},
              Source, Feature, Metric, Value, Count, ReferenceId
       FROM data_quality_results FINAL WHERE ${filter.where()}
       ORDER BY WindowStart, ModelVersion, Source, Feature, Metric LIMIT {limit:UInt32}`,
      filter.params,
    );
    return {
      results: rows.map((r) => ({
        version: r.ModelVersion,
        ...windowBounds(r),
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
