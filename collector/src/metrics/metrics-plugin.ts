import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { onRequestEnd } from '../http/request-end.js';
import { CollectorMetrics } from './CollectorMetrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The collector's own metrics (`GET /metrics`). */
    metrics: CollectorMetrics;
  }
}

/** Name under which other plugins declare their dependency on {@link metricsPlugin}. */
export const METRICS_PLUGIN = 'inferlens-metrics';

const JOBS = ['driftJob', 'slaJob', 'qualityJob'] as const;

/**
 * The collector's own metrics, registered first on the root instance: decorates it with
 * `metrics` and counts every request (in flight, and answered by route and status);
 * {@link metricsRoutePlugin} serves them. What is measured at scrape time
 * (pending rows, bytes in flight, job lag) is read from the plugins registered after this one,
 * when they are there.
 */
async function metricsSetup(app: FastifyInstance): Promise<void> {
  const metrics = new CollectorMetrics({
    pendingRows: () => {
      const out: Record<string, number> = {};
      if (!app.hasDecorator('batchers')) return out;
      for (const b of Object.values(app.batchers)) out[b.table] = b.stats().pendingRows;
      return out;
    },
    bytesInFlight: () => (app.hasDecorator('admission') ? app.admission.bytesInFlight() : 0),
    engineMemoryBytes: async () => (app.hasDecorator('store') ? app.store.engineMemoryBytes() : undefined),
    jobLagSeconds: () => {
      const out: Record<string, number | undefined> = {};
      for (const name of JOBS) {
        if (!app.hasDecorator(name)) continue;
        const lags = app[name].units.status().map((u) => u.lagSeconds).filter((l): l is number => l !== null);
        out[name.replace(/Job$/, '')] = lags.length > 0 ? Math.max(...lags) : undefined;
      }
      return out;
    },
  });
  app.decorate('metrics', metrics);
  app.addHook('onRequest', async (request, reply) => {
    metrics.requestsInFlight.inc();
    // Once per request: its response ended, or its connection closed (a pipelined request whose
    // client went away never gets a response).
    onRequestEnd(request, reply, () => {
      metrics.requestsInFlight.dec();
      metrics.requests.inc({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
    });
  });
}

/**
 * `GET /metrics`, in the Prometheus text exposition format. Its own plugin, registered after
 * access control (whose hooks apply to the routes registered after it), while the counting above
 * comes first.
 */
export async function metricsRoutePlugin(app: FastifyInstance): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const text = await app.metrics.registry.metrics();
    return reply.type(app.metrics.registry.contentType).send(text);
  });
}

/** The metrics as a plugin of the root instance (see {@link metricsSetup}); register it before every other. */
export const metricsPlugin = fp(metricsSetup, { name: METRICS_PLUGIN, fastify: '5.x' });
