import type { FastifyInstance } from 'fastify';
import { LATEST_MIGRATION } from '../plugins/store-plugin.js';

/**
 * `GET /healthz` (the process is alive) and `GET /readyz`: 200 when the store answers, the schema
 * is up to date and ingestion's inserts are being stored; 503 with the reason otherwise — including
 * while the latest insert into some table failed with a store failure (see `InsertHealth`: it
 * names the table and the error, and recovers by itself, probing the store when traffic has stopped).
 */
export async function healthPlugin(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    let current: number;
    try {
      const applied = await app.store.appliedMigrations();
      current = applied.length > 0 ? Math.max(...applied) : 0;
    } catch (err) {
      return reply.code(503).send({ status: 'not ready', reason: `store unreachable: ${(err as Error).message}` });
    }
    if (current < LATEST_MIGRATION) {
      return reply.code(503).send({ status: 'not ready', reason: `schema at version ${current}, expected ${LATEST_MIGRATION}` });
    }
    const inserts = await app.insertHealth.check();
    if (!inserts.ready) {
      return reply.code(503).send({
        status: 'not ready',
        reason: inserts.reason,
        failingInserts: inserts.failing.map((f) => ({
          table: f.table,
          error: f.error,
          clickhouseType: f.clickhouseType ?? null,
          failedAt: new Date(f.failedAtMs).toISOString(),
        })),
      });
    }
    return { status: 'ready', store: app.store.mode, schemaVersion: current };
  });
}
