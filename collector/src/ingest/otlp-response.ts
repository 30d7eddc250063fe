import protobuf from 'protobufjs/minimal.js';

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
 * An `Export*ServiceResponse` in protobuf. Both trace and logs responses put
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

/** The same response in OTLP/JSON; `rejectedField` is `rejectedSpans` or `rejectedLogRecords`. */
export function exportResponseJson(rejectedField: string, rejected: number, message: string): Record<string, unknown> {
  if (rejected === 0 && !message) return {};
  return { partialSuccess: { [rejectedField]: String(rejected), errorMessage: message } };
}
