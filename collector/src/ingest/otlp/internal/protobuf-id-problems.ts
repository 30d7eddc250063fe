import { isZeroHex } from './hex-id.js';

/**
 * Why a trace or span id read from protobuf (as lowercase hex, `readHex`) makes
 * its span or log record invalid, as the rejection message names it; `undefined`
 * when the id is fine.
 */

/** A required id (a span's own `trace_id` and `span_id`): present, `bytes` long, not all zeros. */
export function idProblem(field: string, hex: string, bytes: number): string | undefined {
  if (hex.length === 0) return `${field}: missing, expected ${bytes} bytes`;
  if (hex.length !== bytes * 2) return `${field}: expected ${bytes} bytes, got ${hex.length / 2}`;
  if (isZeroHex(hex)) return `${field}: all zeros, which is not a valid id`;
  return undefined;
}

/** An optional id (parent span, link, log record): absent, or `bytes` long (all zeros reads as absent later). */
export function optionalIdProblem(field: string, hex: string, bytes: number): string | undefined {
  if (hex.length !== 0 && hex.length !== bytes * 2) return `${field}: expected ${bytes} bytes or none, got ${hex.length / 2}`;
  return undefined;
}
