import type { FastifyRequest } from 'fastify';
import protobuf from 'protobufjs/minimal.js';
import type { ErrorFormat } from '../http/error-reply.js';

/** gRPC status codes used in `google.rpc.Status` bodies. */
const GRPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14 } as const;

/** The `google.rpc.Status` code matching an HTTP status. */
export function grpcCodeFor(httpStatus: number): number {
  if (httpStatus === 429 || httpStatus === 413) return GRPC.RESOURCE_EXHAUSTED;
  if (httpStatus === 503 || httpStatus === 502 || httpStatus === 504) return GRPC.UNAVAILABLE;
  if (httpStatus >= 400 && httpStatus < 500) return GRPC.INVALID_ARGUMENT;
  return GRPC.INTERNAL;
}

/** A `google.rpc.Status` in protobuf (`code` = 1, `message` = 2). */
export function encodeStatusProto(code: number, message: string): Uint8Array {
  const w = protobuf.Writer.create();
  if (code !== 0) w.uint32(8).int32(code);
  if (message) w.uint32(18).string(message);
  return w.finish();
}

/**
 * An `Export*ServiceResponse` in protobuf. Trace, logs and metrics responses all put
 * `partial_success` in field 1, holding the rejected count (1) and the message (2).
 */
export function encodeExportResponseProto(rejected: number, message: string): Uint8Array {
  const w = protobuf.Writer.create();
  if (rejected > 0 || message) {
    w.uint32(10).fork();
    if (rejected > 0) w.uint32(8).int64(rejected);
    if (message) w.uint32(18).string(message);
    w.ldelim();
  }
  return w.finish();
}

/** The same response in OTLP/JSON; `rejectedField` is `rejectedSpans`, `rejectedLogRecords` or `rejectedDataPoints`. */
export function exportResponseJson(rejectedField: string, rejected: number, message: string): Record<string, unknown> {
  if (rejected === 0 && !message) return {};
  return { partialSuccess: { [rejectedField]: String(rejected), errorMessage: message } };
}

/** True when the request's body is OTLP protobuf: its answer, success or error, is protobuf too. */
export function isProtobufRequest(request: FastifyRequest): boolean {
  return String(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-protobuf');
}

/**
 * The OTLP receivers' error format (their routes' `config.errorFormat`): a `google.rpc.Status`
 * whose code matches the HTTP status, in the request's encoding, as OTLP/HTTP prescribes.
 */
export const otlpErrorFormat: ErrorFormat = (reply, error, request) => {
  const code = grpcCodeFor(error.statusCode);
  if (isProtobufRequest(request)) {
    return reply.type('application/x-protobuf').send(Buffer.from(encodeStatusProto(code, error.message)));
  }
  return reply.type('application/json').send({ code, message: error.message, details: [] });
};
