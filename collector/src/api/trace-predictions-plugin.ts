import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { projectOf } from '../http/request-context.js';
import { newestFeedbackOf, newestFeedbackOfTrace, type StoredFeedback } from '../store/repositories/feedback.js';
import { predictionsOfTrace } from '../store/repositories/predictions.js';
import { predictionJson } from './prediction-rows.js';

const TraceParams = Type.Object({ traceId: Type.String({ pattern: '^[0-9a-fA-F]{32}$' }) });
const ProjectQuery = Type.Object({ project: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) });
const FeedbackQuery = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  predictionId: Type.String({ minLength: 1, maxLength: 256 }),
});

function feedbackJson(f: StoredFeedback) {
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
    const [rows, feedback] = await Promise.all([predictionsOfTrace(app.store, project, traceId), newestFeedbackOfTrace(app.store, project, traceId)]);
    const byId = new Map(feedback.map((f) => [f.PredictionId, feedbackJson(f)]));
    return { traceId, project, predictions: rows.map((r) => ({ ...predictionJson(r), feedback: byId.get(r.PredictionId) ?? null })) };
  });

  api.get('/api/v1/feedback', { schema: { querystring: FeedbackQuery } }, async (request) => {
    const project = request.query.project ?? projectOf(request);
    const rows = await newestFeedbackOf(app.store, project, request.query.predictionId);
    return { feedback: rows.map(feedbackJson) };
  });
}
