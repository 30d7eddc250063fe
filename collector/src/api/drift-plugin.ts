import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { readDriftResults } from '../store/repositories/drift-results.js';
import { WindowModelFields, WindowRangeFields, WindowResultLimit, WindowSegmentField, windowBounds, windowResultFilter } from './window-results.js';

const DriftQuery = Type.Object({
  ...WindowModelFields,
  ...WindowSegmentField,
  feature: Type.Optional(Type.String({ maxLength: 256, description: 'a column name, or * for the data-set rows' })),
  source: Type.Optional(Type.Union([Type.Literal('feature'), Type.Literal('output'), Type.Literal('dataset'), Type.Literal('multivariate'), Type.Literal('embedding')])),
  ...WindowRangeFields,
  drifted: Type.Optional(Type.Boolean({ description: 'only drifted (true) or only not drifted (false)' })),
  limit: WindowResultLimit,
});

/** `GET /api/v1/drift`: drift results per closed window, oldest window first. */
export async function driftPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/drift', { schema: { querystring: DriftQuery } }, async (request) => {
    const q = request.query;
    const rows = await readDriftResults(app.store, { ...windowResultFilter(request, q), segment: q.segment, feature: q.feature, source: q.source, drifted: q.drifted });
    return {
      results: rows.map((r) => ({
        model: r.ModelName,
        version: r.ModelVersion,
        segment: r.Segment,
        ...windowBounds(r),
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
