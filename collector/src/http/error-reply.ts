import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
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
import type { ErrorCode } from './error-codes.js';
import { validationMessage } from './query-parameters.js';

/** HTTP status, stable code, message and Retry-After of an error answered to a request. */
export interface ErrorReply {
  statusCode: number;
  code: ErrorCode;
  message: string;
  retryAfterSeconds: number | undefined;
}

/**
 * How a route writes an error reply whose status and headers are already set: the body and its
 * content type. JSON `{ error, message }` ({@link jsonErrorFormat}) unless the route's
 * `config.errorFormat` names another (the OTLP receivers answer a `google.rpc.Status`).
 */
export type ErrorFormat = (reply: FastifyReply, error: ErrorReply, request: FastifyRequest) => FastifyReply;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How this route writes its error replies; `{ error, message }` in JSON when unset. */
    errorFormat?: ErrorFormat;
  }
}

/** `{ "error": CODE, "message": ... }`: the native endpoints', the read API's and every other route's errors. */
export const jsonErrorFormat: ErrorFormat = (reply, error) => reply.send({ error: error.code, message: error.message });

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

/** What {@link toCollectorError} makes of `err`, as the fields of a reply. */
export function toErrorReply(err: unknown, request: FastifyRequest): ErrorReply {
  const e = toCollectorError(err, request);
  return { statusCode: e.statusCode, code: e.code, message: e.message, retryAfterSeconds: e.retryAfterSeconds };
}
