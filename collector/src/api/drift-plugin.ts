import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { WindowModelFields, WindowRangeFields, WindowResultLimit, WINDOW_BOUNDS_SQL, windowBounds, windowResultFilter } from './window-results.js';

const DriftQuery = Type.Object({
  ...WindowModelFields,
  feature: Type.Optional(Type.String({ maxLength: 256, description: 'a column name, or * for the data-set rows' })),
  source: Type.Optional(Type.Union([Type.Literal('feature'), Type.Literal('output'), Type.Literal('dataset')])),
  ...WindowRangeFields,
  drifted: Type.Optional(Type.Boolean({ description: 'only drifted (true) or only not drifted (false)' })),
  limit: WindowResultLimit,
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
  api.get('/api/v1/drift', { schema: { querystring: DriftQuery } }, async (request) => {
    const q = request.query;
    const filter = windowResultFilter(request, q);
    filter.add('Feature = {feature:String}', 'feature', q.feature);
    filter.add('Source = {source:String}', 'source', q.source);
    filter.add('Drifted = {drifted:UInt8}', 'drifted', q.drifted === undefined ? undefined : q.drifted ? 1 : 0);
    const rows = await app.store.query<DriftRow>(
      `SELECT ModelName, ModelVersion, ${WINDOW_BOUNDS_SQL},
              Source, Feature, Kind, Method, Statistic, PValue, Threshold, Drifted, Status, ReferenceRows, CurrentRows, Metrics, ReferenceId
       FROM drift_results FINAL WHERE ${filter.where()}
       ORDER BY WindowStart, ModelVersion, Source, Feature LIMIT {limit:UInt32}`,
      filter.params,
    );
    return {
      results: rows.map((r) => ({
        model: r.ModelName,
        version: r.ModelVersion,
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
