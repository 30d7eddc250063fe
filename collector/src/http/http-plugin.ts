import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CollectorError, NotFoundError, SaturatedError } from '../errors.js';
import { answeredAsClientError } from './client-error.js';
import { jsonErrorFormat, toErrorReply } from './error-reply.js';
import { refuseNonFiniteParameters } from './query-parameters.js';

/** Name under which other plugins declare their dependency on {@link httpPlugin}. */
export const HTTP_PLUGIN = 'inferlens-http';

/**
 * The collector's HTTP layer, on the root instance, before any route:
 * - one error handler for every route: any error becomes its registry code, status and
 *   Retry-After (`toErrorReply`), written in the route's `config.errorFormat` (JSON
 *   `{ error, message }` by default); 5xx are logged with the original error;
 * - unknown routes answer `NOT_FOUND` through the same handler;
 * - while the server closes, every request gets 503 `INGEST_SATURATED` with Retry-After 5;
 * - query and path parameters that Ajv coerced to a non-finite number are refused
 *   (`refuseNonFiniteParameters`).
 */
async function http(app: FastifyInstance): Promise<void> {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request) => {
    if (closing) {
      request.raw.headers.connection = 'close';
      throw new SaturatedError('the collector is shutting down; retry against another instance or after Retry-After', 5);
    }
  });
  // Before any route: Ajv coerces `limit=Infinity` to a number that skips its range checks.
  refuseNonFiniteParameters(app);
  app.setNotFoundHandler(async (request) => {
    throw new NotFoundError(`Route ${request.method}:${request.url} not found`);
  });
  app.setErrorHandler((err, request, reply) => {
    const e = toErrorReply(err, request);
    // The connection was answered 408 already (client-error.ts): the body this route was reading
    // was cut short by it, which is no second refusal. Nothing more can be sent on it.
    if (answeredAsClientError(request.raw.socket)) return reply.code(408).send();
    if (e.statusCode >= 500) request.log.error({ err, route: request.routeOptions.url }, 'request failed');
    if (app.hasDecorator('metrics')) app.metrics.requestsRefused.inc({ code: e.code });
    // A plugin's client error may carry headers of its own (a 416's Content-Range), as Fastify's default handler sends them.
    const headers = err instanceof CollectorError || e.statusCode >= 500 ? undefined : (err as { headers?: unknown }).headers;
    if (headers !== null && typeof headers === 'object') reply.headers(headers as Record<string, string>);
    if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
    reply.code(e.statusCode);
    return (request.routeOptions.config.errorFormat ?? jsonErrorFormat)(reply, e, request);
  });
}

/** The HTTP layer as a plugin of the root instance (see {@link http}); register it first. */
export const httpPlugin = fp(http, { name: HTTP_PLUGIN, fastify: '5.x' });
