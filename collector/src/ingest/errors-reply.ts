import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  BodyTooLargeError,
  CollectorError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  PreconditionFailedError,
  RangeNotSatisfiableError,
  RequestInvalidError,
  UnsupportedMediaTypeError,
} from '../errors.js';
import type { ErrorCode } from '../http/error-codes.js';
import { validationMessage } from '../api/query-parameters.js';

/** HTTP status, stable code, message and Retry-After of any error thrown while handling a request. */
export interface ErrorReply {
  statusCode: number;
  code: ErrorCode;
  message: string;
  retryAfterSeconds: number | undefined;
}

/**
 * Client errors (4xx) raised by Fastify or its plugins (`@fastify/static`), by status: the class
 * that answers them. Any other 4xx status answers `REQUEST_INVALID` (400).
 */
const CLIENT_ERRORS: ReadonlyMap<number, new (message: string) => CollectorError> = new Map<number, new (message: string) => CollectorError>([
  [400, RequestInvalidError],
  [403, ForbiddenError],
  [404, NotFoundError],
  [412, PreconditionFailedError],
  [413, BodyTooLargeError],
  [415, UnsupportedMediaTypeError],
  [416, RangeNotSatisfiableError],
]);

/**
 * The collector's error for any error thrown while handling a request: ours as they are;
 * Fastify's and its plugins' client errors (a numeric 4xx `statusCode`, as Fastify's own error
 * handler reads them) as the class of their status, a failed schema validation naming the
 * parameter, a body over `bodyLimit` naming `limits.maxBodyBytes`; anything else as
 * {@link InternalError}, whose message says nothing of the original.
 */
export function toCollectorError(err: unknown, request: FastifyRequest): CollectorError {
  if (err instanceof CollectorError) return err;
  const fe = (err ?? {}) as Partial<FastifyError>;
  if (fe.code === 'FST_ERR_VALIDATION') return new RequestInvalidError(validationMessage(fe as FastifyError, request), { cause: err });
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new BodyTooLargeError(`${request.method} ${request.url}: the body is larger than limits.maxBodyBytes; send smaller requests`);
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new (CLIENT_ERRORS.get(fe.statusCode) ?? RequestInvalidError)(fe.message ?? '');
  }
  return new InternalError(err);
}

/** Maps our errors and Fastify's own (`FST_ERR_CTP_BODY_TOO_LARGE`, ...) to one reply shape (see {@link toCollectorError}). */
export function toErrorReply(err: unknown, request: FastifyRequest): ErrorReply {
  const e = toCollectorError(err, request);
  return { statusCode: e.statusCode, code: e.code, message: e.message, retryAfterSeconds: e.retryAfterSeconds };
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
