/**
 * How an OTLP/HTTP body is encoded: binary protobuf (`application/x-protobuf`)
 * or OTLP/JSON (`application/json`).
 */
export type OtlpEncoding = 'protobuf' | 'json';
