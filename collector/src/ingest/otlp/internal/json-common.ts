import type { EventTimeBounds } from '../../EventTimeBounds.js';
import { OtlpDecodeError } from '../otlp-decode-error.js';
import { isZeroHex } from './hex-id.js';
import { utf8Text } from '../../utf8-text.js';

/**
 * Shape checks for OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * lowerCamelCase keys, unknown keys ignored, `null` read as absent, enums as
 * integers (the protobuf names are accepted too), 64-bit integers as decimal
 * strings or numbers, trace and span ids as hex.
 *
 * Every check names the offending value by its path in the document
 * (`resourceSpans[0].scopeSpans[1].spans[3].traceId`). The decoders turn a
 * `JsonShapeError` inside one span or log record into a rejection of that record,
 * and one anywhere else into an `OtlpDecodeError`.
 */

/** A value in the document does not have the shape OTLP/JSON prescribes. */
export class JsonShapeError extends Error {
  override name = 'JsonShapeError';
}

/** Parses the body as UTF-8 JSON (ill-formed UTF-8 becomes U+FFFD: see utf8-text.ts). */
export function parseJsonBody(body: Uint8Array): unknown {
  const text = utf8Text(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new OtlpDecodeError(`json: invalid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** Wraps a shape error outside any one record into the request-level error. */
export function toJsonDecodeError(err: unknown): unknown {
  return err instanceof JsonShapeError ? new OtlpDecodeError(`json: ${err.message}`, { cause: err }) : err;
}

/** A short description of a JSON value for messages: `"abc"`, `number 5`, `array`, `object`, `null`. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return v.length > 48 ? `"${v.slice(0, 45)}..."` : JSON.stringify(v);
  if (typeof v === 'number') return `number ${v}`;
  return typeof v;
}

/** `path: expected <expected>, got <what>`. */
export function shapeError(path: string, expected: string, got: unknown): JsonShapeError {
  return new JsonShapeError(`${path}: expected ${expected}, got ${describe(got)}`);
}

/** A JSON object value. */
export type JsonObject = Record<string, unknown>;

/** The value as an object; `undefined` when absent. */
export function optionalObject(v: unknown, path: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw shapeError(path, 'an object', v);
  return v as JsonObject;
}

/** The value as an object; throws when absent. */
export function requiredObject(v: unknown, path: string): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw shapeError(path, 'an object', v);
  return v as JsonObject;
}

const EMPTY: readonly unknown[] = Object.freeze([]);

/** The value as an array; empty when absent. */
export function optionalArray(v: unknown, path: string): readonly unknown[] {
  if (v === undefined || v === null) return EMPTY;
  if (!Array.isArray(v)) throw shapeError(path, 'an array', v);
  return v;
}

/** `o[field]` as a string; `''` when absent. */
export function stringField(o: JsonObject, field: string, path: string): string {
  const v = o[field];
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  throw shapeError(`${path}.${field}`, 'a string', v);
}

const INTEGER = /^-?\d+$/;

/** `o[field]` as an enum value: an integer, or one of `names`; 0 when absent. */
export function enumField(o: JsonObject, field: string, path: string, names: ReadonlyMap<string, number>): number {
  const v = o[field];
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const named = names.get(v);
    if (named !== undefined) return named;
    if (INTEGER.test(v)) return Number(v);
  }
  throw shapeError(`${path}.${field}`, 'an enum value (integer or name)', v);
}

/** `o[field]` as a `fixed32` / `uint32`: a number or a decimal string; 0 when absent. */
export function uint32Field(o: JsonObject, field: string, path: string): number {
  const v = o[field];
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && INTEGER.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n;
  throw shapeError(`${path}.${field}`, 'an unsigned 32-bit integer', v);
}

const UINT64_MAX = '18446744073709551615';
const DIGITS = /^\d+$/;

/**
 * `o[field]` as a `fixed64` nanosecond timestamp, returned as canonical decimal
 * digits (no leading zeros); `"0"` when absent. Strings keep every digit;
 * numbers beyond 2^53 have already lost precision in `JSON.parse`, and are taken as they are.
 */
export function nanosField(o: JsonObject, field: string, path: string): string {
  const v = o[field];
  if (v === undefined || v === null) return '0';
  if (typeof v === 'string' && DIGITS.test(v)) {
    let i = 0;
    while (i < v.length - 1 && v.charCodeAt(i) === 48) i++;
    const digits = i === 0 ? v : v.slice(i);
    if (digits.length < 20 || (digits.length === 20 && digits <= UINT64_MAX)) return digits;
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 64) {
    return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
  }
  throw shapeError(`${path}.${field}`, 'Unix nanoseconds as an unsigned 64-bit integer (decimal string or number)', v);
}

/**
 * A time read by {@link nanosField}, checked against `eventTimes`.
 * @param zeroIsAbsent when true, `"0"` (the field left out) passes unchecked
 * @throws JsonShapeError naming `path` and the bound when the time is outside
 */
export function timeWithin(digits: string, eventTimes: EventTimeBounds, path: string, zeroIsAbsent: boolean): string {
  if ((zeroIsAbsent && digits === '0') || eventTimes.containsDecimal(digits)) return digits;
  throw new JsonShapeError(`${path}: ${eventTimes.problem(BigInt(digits))}`);
}

const HEX = /^[0-9a-fA-F]*$/;

/**
 * `o[field]` as a hex id of `bytes` bytes, lowercased.
 * @param required When false, an absent or empty id is `''`, and an all-zero one becomes `''` too.
 */
export function idField(o: JsonObject, field: string, path: string, bytes: number, required: boolean): string {
  const v = o[field];
  const chars = bytes * 2;
  if (v === undefined || v === null || v === '') {
    if (required) throw new JsonShapeError(`${path}.${field}: missing, expected ${chars} hex chars`);
    return '';
  }
  if (typeof v !== 'string' || v.length !== chars || !HEX.test(v)) {
    const hint = typeof v === 'string' && !HEX.test(v) && /^[A-Za-z0-9+/_-]+=*$/.test(v) ? ' (OTLP/JSON ids are hex, not base64)' : '';
    throw new JsonShapeError(`${path}.${field}: expected ${chars} hex chars${required ? '' : ' or none'}, got ${describe(v)}${hint}`);
  }
  const hex = v.toLowerCase();
  if (isZeroHex(hex)) {
    if (required) throw new JsonShapeError(`${path}.${field}: all zeros, which is not a valid id`);
    return '';
  }
  return hex;
}
