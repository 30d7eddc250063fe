import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { projectOf } from '../http/request-context.js';
import { readModelActivity } from '../store/repositories/model-activity.js';

const ActivityQuery = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
});

/**
 * `GET /api/v1/activity?project=[&model=]`: every model version's first and last prediction
 * (event time) and last arrival, from `model_activity` (kept by a materialized view, so no scan
 * of `predictions`), and their span over all versions: what the UI needs to fit its time range
 * to the data.
 */
export async function activityPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/activity', { schema: { querystring: ActivityQuery } }, async (request) => {
    const rows = await readModelActivity(app.store, { project: request.query.project ?? projectOf(request), model: request.query.model });
    const iso = (ms: string) => new Date(Number(ms)).toISOString();
    const versions = rows.map((r) => ({ model: r.ModelName, version: r.ModelVersion, firstPrediction: iso(r.FirstMs), lastPrediction: iso(r.LastMs), lastReceived: iso(r.ReceivedMs) }));
    const first = rows.length ? Math.min(...rows.map((r) => Number(r.FirstMs))) : null;
    const last = rows.length ? Math.max(...rows.map((r) => Number(r.LastMs))) : null;
    return { firstPrediction: first === null ? null : new Date(first).toISOString(), lastPrediction: last === null ? null : new Date(last).toISOString(), versions };
  });
}
