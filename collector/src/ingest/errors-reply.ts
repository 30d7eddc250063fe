import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CollectorError } from '../errors.js';
import { validationMessage } from '../api/query-parameters.js';

/** HTTP status, stable code, message and Retry-After of any error thrown while handling a request. */
export interface ErrorReply {
  statusCode: number;
  code: string;
  message: string;
  retryAfterSeconds: number | undefined;
}

/** Maps our errors and Fastify's own (`FST_ERR_CTP_BODY_TOO_LARGE`, ...) to one reply shape. */
export function toErrorReply(err: unknown, request: FastifyRequest): ErrorReply {
  if (err instanceof CollectorError) {
    return { statusCode: err.statusCode, code: err.code, message: err.message, retryAfterSeconds: err.retryAfterSeconds };
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      statusCode: 413,
      code: 'INGEST_BODY_TOO_LARGE',
      message: `${request.method} ${request.url}: the body is larger than limits.maxBodyBytes; send smaller requests`,
      retryAfterSeconds: undefined,
    };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { statusCode: 415, code: 'INGEST_UNSUPPORTED_MEDIA_TYPE', message: fe.message, retryAfterSeconds: undefined };
  }
  if (fe.validation) {
    return { statusCode: 400, code: 'REQUEST_INVALID', message: validationMessage(fe, request), retryAfterSeconds: undefined };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { statusCode: fe.statusCode, code: fe.code ?? 'REQUEST_INVALID', message: fe.message, retryAfterSeconds: undefined };
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'internal error; see the collector log', retryAfterSeconds: undefined };
}

/** Sets Retry-After when the error asks for one. */
export function applyRetryAfter(reply: FastifyReply, e: ErrorReply): void {
  if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
}

/**
 * Installs the JSON error answer used by the native endpoints and the read API:
 * `{ error: CODE, message }` with the mapped status and Retry-After; 5xx are logged as `what failed`.
 */
export function useJsonErrors(app: FastifyInstance, what: string): void {
  app.setErrorHandler((err, request, reply) => {
    const e = toErrorReply(err, request);
    if (e.statusCode >= 500) request.log.error({ err }, what);
    applyRetryAfter(reply, e);
    return reply.code(e.statusCode).send({ error: e.code, message: e.message });
  });
}
