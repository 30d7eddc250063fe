/**
 * `JSON.stringify` of a prediction or feedback record, written out by hand: the same text, byte
 * for byte (checked against `JSON.stringify` on generated and mutated records in
 * `record-json.test.ts`), in about half the time on the records the SDK builds (an object of
 * strings, numbers, booleans and nulls, and maps of those): the keys' JSON is cached, and a string
 * that needs no escaping is quoted without `JSON.stringify`'s generic machinery. Anything else
 * (arrays, dates, `toJSON`, a prototype other than `Object.prototype` or null, deeper nesting)
 * hands the whole record back to `JSON.stringify`.
 */
export function recordJson(record: unknown): string {
  const text = objectJson(record, 0);
  return text ?? JSON.stringify(record);
}

/** Characters `JSON.stringify` escapes (quote, backslash, controls) and surrogates (escaped when lone). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string's JSON: quoted as it is when nothing in it needs escaping, else `JSON.stringify`'s. */
export function quoteJson(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

const keyCache = new Map<string, string>();
const MAX_CACHED_KEYS = 4096;

function keyJson(key: string): string {
  let json = keyCache.get(key);
  if (json === undefined) {
    json = quoteJson(key);
    if (keyCache.size < MAX_CACHED_KEYS) keyCache.set(key, json);
  }
  return json;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The JSON of a plain object of primitives (and, at depth 0, of such objects); undefined when it holds anything else. */
function objectJson(o: unknown, depth: number): string | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return undefined;
  if (typeof (o as { toJSON?: unknown }).toJSON === 'function') return undefined;
  let out = '{';
  for (const key in o) {
    if (!hasOwn.call(o, key)) continue;
    const v = (o as Record<string, unknown>)[key];
    let text: string;
    switch (typeof v) {
      case 'string':
        text = quoteJson(v);
        break;
      case 'number':
        text = Number.isFinite(v) ? String(v) : 'null';
        break;
      case 'boolean':
        text = v ? 'true' : 'false';
        break;
      case 'undefined':
      case 'function':
      case 'symbol':
        continue; // left out, as JSON.stringify leaves them out of an object
      case 'object': {
        if (v === null) {
          text = 'null';
          break;
        }
        const nested = depth === 0 ? objectJson(v, 1) : undefined;
        if (nested === undefined) return undefined;
        text = nested;
        break;
      }
      default:
        return undefined; // bigint: JSON.stringify throws, let it
    }
    out += out.length > 1 ? `,${keyJson(key)}:${text}` : `${keyJson(key)}:${text}`;
  }
  return out + '}';
}
