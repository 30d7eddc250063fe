import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { useJsonErrors } from '../ingest/errors-reply.js';
import { windowResultFilter } from './sql-filter.js';

const QualityQuery = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.Optional(Type.String({ maxLength: 256 })),
  from: Type.Optional(Type.String({ description: 'window start at or after; ISO-8601 or Unix milliseconds' })),
  to: Type.Optional(Type.String({ description: 'window start before; ISO-8601 or Unix milliseconds' })),
  limit: Type.Integer({ minimum: 1, maximum: 100000, default: 10000 }),
});

type Cell = number | string | null;
const n = (x: Cell | undefined) => (x === null || x === undefined ? null : Number(x));

/** `GET /api/v1/quality`: model quality per closed window (latest computation), oldest window first. */
export async function qualityPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  useJsonErrors(app, 'quality API request failed');
  api.get('/api/v1/quality', { schema: { querystring: QualityQuery } }, async (request) => {
    const q = request.query;
    const filter = windowResultFilter(request, q);
    const rows = await app.store.query<Record<string, Cell>>(
      `SELECT * EXCEPT (WindowStart, WindowEnd, MaxFeedbackReceivedAt, ComputedAt),
              toString(toUnixTimestamp64Milli(WindowStart)) AS windowStart, toString(toUnixTimestamp64Milli(WindowEnd)) AS windowEnd,
              toString(toUnixTimestamp64Milli(ComputedAt)) AS computedAt
       FROM quality_results FINAL WHERE ${filter.where()}
       ORDER BY WindowStart, ModelVersion LIMIT {limit:UInt32}`,
      filter.params,
    );
    return {
      results: rows.map((r) => ({
        model: r.ModelName,
        version: r.ModelVersion,
        windowStart: new Date(Number(r.windowStart)).toISOString(),
        windowEnd: new Date(Number(r.windowEnd)).toISOString(),
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
      })),
    };
  });
}
