import { BadRequestError } from '../../errors.js';

/**
 * The body of an OTLP request cannot be decoded at all: truncated or malformed
 * protobuf, invalid JSON, or a JSON document whose shape is not an OTLP export
 * request. Clients must not retry the same body (HTTP 400).
 *
 * The message starts with the encoding and says what is wrong and where, e.g.
 * `protobuf: truncated field at byte 1234: length 500 exceeds the 20 bytes left` or
 * `json: resourceSpans[0].scopeSpans: expected an array, got object`.
 *
 * Problems confined to one span or log record are not errors: the decoders
 * count them in `rejected` and keep the other records.
 */
export class OtlpDecodeError extends BadRequestError {
  /** Always `INGEST_OTLP_DECODE`. */
  declare readonly code: 'INGEST_OTLP_DECODE';

  /**
   * @param message What is wrong and where, prefixed with `protobuf: ` or `json: `.
   * @param options `cause`: the underlying parser error, when there is one.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('INGEST_OTLP_DECODE', message, options);
  }
}
