import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { projectOf } from '../http/request-context.js';
import { PREDICTION_COLUMNS_SQL, predictionJson, type PredictionRow } from './prediction-rows.js';

const TraceParams = Type.Object({ traceId: Type.String({ pattern: '^[0-9a-fA-F]{32}$' }) });
const ProjectQuery = Type.Object({ project: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) });
const FeedbackQuery = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  predictionId: Type.String({ minLength: 1, maxLength: 256 }),
});

interface FeedbackRow {
  PredictionId: string;
  timeUnixNano: string;
  ModelName: string;
  ModelVersion: string;
  Label: string;
  Value: number | string | null;
  Attributes: Record<string, string>;
  receivedMs: string;
}

/** The newest feedback of each prediction id the WHERE condition on `feedback` selects. */
const FEEDBACK_SQL = (where: string) =>
  `SELECT PredictionId, toString(toUnixTimestamp64Nano(argMax(Timestamp, ReceivedAt))) AS timeUnixNano, argMax(ModelName, ReceivedAt) AS ModelName,
          argMax(ModelVersion, ReceivedAt) AS ModelVersion, argMax(Label, ReceivedAt) AS Label, argMax(Value, ReceivedAt) AS Value,
          argMax(Attributes, ReceivedAt) AS Attributes, toString(toUnixTimestamp64Milli(max(ReceivedAt))) AS receivedMs
   FROM feedback WHERE ${where} GROUP BY PredictionId`;

function feedbackJson(f: FeedbackRow) {
  return {
    predictionId: f.PredictionId,
    timestamp: new Date(Number(BigInt(f.timeUnixNano) / 1_000_000n)).toISOString(),
    model: f.ModelName,
    version: f.ModelVersion,
    label: f.Value === null ? f.Label : null,
    value: f.Value === null ? null : Number(f.Value),
    attributes: f.Attributes,
    receivedAt: new Date(Number(f.receivedMs)).toISOString(),
  };
}

/**
 * `GET /api/v1/traces/:traceId/predictions`: the predictions recorded in a trace (by their
 * `TraceId`), oldest first, each with its newest feedback (`null` until the truth arrives).
 * `GET /api/v1/feedback?predictionId=`: `{ feedback: [...] }`, the newest feedback of the prediction
 * (the one the quality job counts), or an empty list while its truth has not arrived.
 */
export async function tracePredictionsPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/traces/:traceId/predictions', { schema: { params: TraceParams, querystring: ProjectQuery } }, async (request) => {
    const traceId = request.params.traceId.toLowerCase();
    const project = request.query.project ?? projectOf(request);
    const params = { traceId, project };
    const [rows, feedback] = await Promise.all([
      app.store.query<PredictionRow>(
        `SELECT ${PREDICTION_COLUMNS_SQL} FROM predictions WHERE Project = {project:String} AND TraceId = {traceId:String}
         ORDER BY Timestamp, PredictionId LIMIT 10000`,
        params,
      ),
      app.store.query<FeedbackRow>(
        FEEDBACK_SQL('Project = {project:String} AND PredictionId IN (SELECT PredictionId FROM predictions WHERE Project = {project:String} AND TraceId = {traceId:String})'),
        params,
      ),
    ]);
    const byId = new Map(feedback.map((f) => [f.PredictionId, feedbackJson(f)]));
    return { traceId, project, predictions: rows.map((r) => ({ ...predictionJson(r), feedback: byId.get(r.PredictionId) ?? null })) };
  });

  api.get('/api/v1/feedback', { schema: { querystring: FeedbackQuery } }, async (request) => {
    const project = request.query.project ?? projectOf(request);
    const rows = await app.store.query<FeedbackRow>(FEEDBACK_SQL('Project = {project:String} AND PredictionId = {predictionId:String}'), {
      project,
      predictionId: request.query.predictionId,
    });
    return { feedback: rows.map(feedbackJson) };
  });
}
