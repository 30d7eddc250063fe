import type { StringMap } from '../../../store/schema/column-types.js';
import { OtlpDecodeError } from '../otlp-decode-error.js';
import { optionalArray, requiredObject, shapeError, stringField } from './json-common.js';
import { arrayJson, doubleJson, objectJson, quoteJson, scalarText } from './json-text.js';
import { setOwn } from './own-property.js';

/**
 * OTLP/JSON `AnyValue` (`{"stringValue": "x"}`, `{"intValue": "42"}`,
 * `{"arrayValue": {"values": [...]}}`, `{"kvlistValue": {"values": [{"key", "value"}]}}`,
 * `{"bytesValue": "<base64>"}`, `{}` for empty) converted to plain JS, to the
 * flattened string the ClickHouse exporter stores, and to JSON text.
 */

/** Deepest nesting of arrays and kvlists accepted inside one AnyValue. */
export const MAX_JSON_ANY_VALUE_DEPTH = 128;

const INT64 = /^-?\d{1,20}$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const VARIANTS = new Set(['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue']);

/** Too deep a nesting refuses the whole request (as in protobuf), not just the record: it is abuse, not a mistake. */
function checkDepth(path: string, depth: number): void {
  if (depth > MAX_JSON_ANY_VALUE_DEPTH) {
    throw new OtlpDecodeError(`json: ${path}: AnyValue nested deeper than ${MAX_JSON_ANY_VALUE_DEPTH} levels`);
  }
}

/**
 * `intValue`: a number when it is a safe integer, otherwise the exact decimal string.
 * A JSON number beyond the int64 range is kept as that number: OpenTelemetry JS's
 * JSON serializer writes any integral double (`1e21`) as an `intValue`.
 */
function intValue(v: unknown, path: string): number | string {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    if (Number.isInteger(v)) return v >= -(2 ** 63) && v < 2 ** 63 ? BigInt(v).toString() : v;
  } else if (typeof v === 'string' && INT64.test(v)) {
    if (v.length <= 15) return Number(v);
    const b = BigInt(v);
    if (b >= INT64_MIN && b <= INT64_MAX) {
      const n = Number(b);
      return Number.isSafeInteger(n) ? n : b.toString();
    }
  }
  throw shapeError(`${path}.intValue`, 'a 64-bit integer (decimal string or number)', v);
}

/** `doubleValue`: a number, or a string holding one (`"NaN"`, `"Infinity"`, `"-Infinity"` included). */
function doubleValue(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw shapeError(`${path}.doubleValue`, 'a number', v);
}

/** `bytesValue`: base64 (standard or URL-safe), returned as standard base64. */
function bytesValue(v: unknown, path: string): string {
  if (typeof v === 'string' && BASE64.test(v)) return Buffer.from(v, 'base64').toString('base64');
  throw shapeError(`${path}.bytesValue`, 'a base64 string', v);
}

function boolValue(v: unknown, path: string): boolean {
  if (typeof v === 'boolean') return v;
  throw shapeError(`${path}.boolValue`, 'a boolean', v);
}

function stringValue(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  throw shapeError(`${path}.stringValue`, 'a string', v);
}

function anyValueObject(v: unknown, path: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw shapeError(path, 'an AnyValue object', v);
  return v as Record<string, unknown>;
}

function listValues(v: unknown, path: string): readonly unknown[] {
  return optionalArray(requiredObject(v, path).values, `${path}.values`);
}

/** An AnyValue as plain JS: see `DecodedLogRecord.body`. */
export function jsonAnyValuePlain(v: unknown, path: string, depth: number): unknown {
  const o = anyValueObject(v, path);
  let out: unknown = null;
  if (o === undefined) return out;
  // One key is set in a well-formed value; iterating the object's own keys beats probing all seven.
  for (const k in o) {
    const x = o[k];
    if (x === undefined || x === null) continue;
    switch (k) {
      case 'stringValue':
        out = stringValue(x, path);
        break;
      case 'boolValue':
        out = boolValue(x, path);
        break;
      case 'intValue':
        out = intValue(x, path);
        break;
      case 'doubleValue':
        out = doubleValue(x, path);
        break;
      case 'bytesValue':
        out = bytesValue(x, path);
        break;
      case 'arrayValue': {
        const p = `${path}.arrayValue`;
        checkDepth(p, depth + 1);
        out = listValues(x, p).map((item, i) => jsonAnyValuePlain(item, `${p}.values[${i}]`, depth + 1));
        break;
      }
      case 'kvlistValue': {
        const p = `${path}.kvlistValue`;
        checkDepth(p, depth + 1);
        const obj: Record<string, unknown> = {};
        listValues(x, p).forEach((kv, i) => {
          const kvPath = `${p}.values[${i}]`;
          const kvo = requiredObject(kv, kvPath);
          setOwn(obj, stringField(kvo, 'key', kvPath), jsonAnyValuePlain(kvo.value, `${kvPath}.value`, depth + 1));
        });
        out = obj;
        break;
      }
      default:
      // Unknown keys are ignored, as OTLP/JSON requires.
    }
  }
  return out;
}

/** An AnyValue as JSON text, for values nested in arrays and kvlists. */
function jsonAnyValueJson(v: unknown, path: string, depth: number): string {
  const o = anyValueObject(v, path);
  let out = 'null';
  if (o === undefined) return out;
  for (const k in o) {
    const x = o[k];
    if (x === undefined || x === null) continue;
    switch (k) {
      case 'stringValue':
        out = quoteJson(stringValue(x, path));
        break;
      case 'boolValue':
        out = boolValue(x, path) ? 'true' : 'false';
        break;
      case 'intValue':
        out = String(intValue(x, path));
        break;
      case 'doubleValue':
        out = doubleJson(doubleValue(x, path));
        break;
      case 'bytesValue':
        out = `"${bytesValue(x, path)}"`;
        break;
      case 'arrayValue':
      case 'kvlistValue':
        out = compoundJson(k, x, path, depth);
        break;
      default:
    }
  }
  return out;
}

function compoundJson(k: 'arrayValue' | 'kvlistValue', x: unknown, path: string, depth: number): string {
  const p = `${path}.${k}`;
  checkDepth(p, depth + 1);
  const values = listValues(x, p);
  if (k === 'arrayValue') return arrayJson(values.map((item, i) => jsonAnyValueJson(item, `${p}.values[${i}]`, depth + 1)));
  const entries = values.map((kv, i): [string, string] => {
    const kvPath = `${p}.values[${i}]`;
    const kvo = requiredObject(kv, kvPath);
    return [stringField(kvo, 'key', kvPath), jsonAnyValueJson(kvo.value, `${kvPath}.value`, depth + 1)];
  });
  return objectJson(entries);
}

/** An AnyValue flattened to the string the ClickHouse exporter stores (`AsString`). */
export function jsonAnyValueText(v: unknown, path: string): string {
  const o = anyValueObject(v, path);
  if (o === undefined) return '';
  // The last variant key set wins, as in jsonAnyValuePlain.
  let last = '';
  for (const k in o) {
    if (VARIANTS.has(k) && o[k] !== undefined && o[k] !== null) last = k;
  }
  if (last === 'arrayValue' || last === 'kvlistValue') return compoundJson(last, o[last], path, 0);
  return scalarText(jsonAnyValuePlain(o, path, 0));
}

/**
 * `jsonAnyValueText` for an AnyValue whose plain form (from `jsonAnyValuePlain`)
 * is already known: a scalar is flattened from that form, an array or kvlist is
 * read again as JSON text.
 */
export function jsonAnyValueTextOf(v: unknown, path: string, plain: unknown): string {
  return plain !== null && typeof plain === 'object' ? jsonAnyValueText(v, path) : scalarText(plain);
}

/** Reads an OTLP/JSON attribute list (`[{"key", "value"}]`) into a flattened map. */
export function jsonAttributesInto(list: unknown, path: string, into: StringMap): void {
  const items = optionalArray(list, path);
  for (let i = 0; i < items.length; i++) {
    const kvPath = `${path}[${i}]`;
    const kv = requiredObject(items[i], kvPath);
    setOwn(into, stringField(kv, 'key', kvPath), jsonAnyValueText(kv.value, `${kvPath}.value`));
  }
}

/** Reads an attribute list into a plain map and a flattened map at once. */
export function jsonAttributesIntoBoth(list: unknown, path: string, plain: Record<string, unknown>, text: StringMap): void {
  const items = optionalArray(list, path);
  for (let i = 0; i < items.length; i++) {
    const kvPath = `${path}[${i}]`;
    const kv = requiredObject(items[i], kvPath);
    const key = stringField(kv, 'key', kvPath);
    const valuePath = `${kvPath}.value`;
    const value = jsonAnyValuePlain(kv.value, valuePath, 0);
    setOwn(plain, key, value);
    setOwn(text, key, jsonAnyValueTextOf(kv.value, valuePath, value));
  }
}
