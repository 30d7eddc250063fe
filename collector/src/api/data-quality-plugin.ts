import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { readDataQualityResults } from '../store/repositories/data-quality-results.js';
import { WindowModelFields, WindowRangeFields, WindowResultLimit, WindowSegmentField, windowBounds, windowResultFilter } from './window-results.js';

const QualityQuery = Type.Object({
  ...WindowModelFields,
  // Replaces the shared field in place (the key keeps its position): this endpoint takes up to 256 characters.
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  ...WindowSegmentField,
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
    const rows = await readDataQualityResults(app.store, { ...windowResultFilter(request, q), segment: q.segment, feature: q.feature, metric: q.metric, nonZero: q.nonZero });
    return {
      results: rows.map((r) => ({
        version: r.ModelVersion,
        segment: r.Segment,
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
