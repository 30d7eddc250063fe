import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { readQualityResults } from '../store/repositories/quality-results.js';
import { WindowModelFields, WindowRangeFields, WindowResultLimit, WindowSegmentField, windowBounds, windowResultFilter } from './window-results.js';

const QualityQuery = Type.Object({ ...WindowModelFields, ...WindowSegmentField, ...WindowRangeFields, limit: WindowResultLimit });

type Cell = number | string | null;
const n = (x: Cell | undefined) => (x === null || x === undefined ? null : Number(x));

/** `GET /api/v1/quality`: model quality per closed window (latest computation), oldest window first. */
export async function qualityPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/quality', { schema: { querystring: QualityQuery } }, async (request) => {
    const q = request.query;
    const rows = await readQualityResults(app.store, { ...windowResultFilter(request, q), segment: q.segment });
    return {
      results: rows.map((r) => ({
        model: r.ModelName,
        version: r.ModelVersion,
        segment: r.Segment,
        ...windowBounds(r),
        computedAt: new Date(Number(r.computedAt)).toISOString(),
        predictions: Number(r.Predictions),
        labelled: Number(r.Labelled),
        labelCoverage: Number(r.LabelCoverage),
        labelDelaySeconds: { p50: n(r.LabelDelayP50Seconds), p90: n(r.LabelDelayP90Seconds), max: n(r.LabelDelayMaxSeconds) },
        classification: {
          rows: Number(r.ClassifiedRows),
          accuracy: n(r.Accuracy),
          macro: { precision: n(r.MacroPrecision), recall: n(r.MacroRecall), f1: n(r.MacroF1) },
          classes: JSON.parse(String(r.Classes)) as unknown,
          scoredRows: Number(r.ScoredRows),
          rocAuc: n(r.RocAuc),
          logLoss: n(r.LogLoss),
        },
        regression: { rows: Number(r.RegressionRows), mae: n(r.Mae), rmse: n(r.Rmse), mape: n(r.Mape) },
        estimated: r.Estimated ? (JSON.parse(String(r.Estimated)) as unknown) : null,
      })),
    };
  });
}
