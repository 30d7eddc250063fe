import type { FastifyInstance } from 'fastify';
import { LATEST_MIGRATION } from '../plugins/store-plugin.js';

/** `GET /healthz` (the process is alive) and `GET /readyz` (store reachable, schema up to date). */
export async function healthPlugin(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      const applied = await app.store.appliedMigrations();
      const current = applied.length > 0 ? Math.max(...applied) : 0;
      if (current < LATEST_MIGRATION) {
        return reply.code(503).send({ status: 'not ready', reason: `schema at version ${current}, expected ${LATEST_MIGRATION}` });
      }
      return { status: 'ready', store: app.store.mode, schemaVersion: current };
    } catch (err) {
      return reply.code(503).send({ status: 'not ready', reason: `store unreachable: ${(err as Error).message}` });
    }
  });
}
