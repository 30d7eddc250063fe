import { SdkPredictionRecord } from '../SdkPredictionRecord.js';

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
  const text = record instanceof SdkPredictionRecord ? sdkRecordJson(record) : objectJson(record, 0);
  return text ?? JSON.stringify(record);
}

/** The fragments of the fields a wrapper fixes, for the last record seen (consecutive records mostly share them). */
let last: { model: string; version: string; project: string | null; service: string; environment: string | null; head: string; middle: string } | undefined;

/**
 * A monitor's record, its fields in `SdkPredictionRecord`'s order: the fixed ones (model, version,
 * project, service, environment) from fragments kept for the previous record, the others
 * written here. Undefined (then the generic way) when a value is not of the type the monitor sets.
 * It writes the class's fields only: the monitor hands these records to no one before they are
 * exported but the exporter (a property added to one on the way would be left out).
 */
function sdkRecordJson(r: SdkPredictionRecord): string | undefined {
  const { model, version, project, service, environment } = r;
  let f = last;
  if (f === undefined || f.model !== model || f.version !== version || f.project !== project || f.service !== service || f.environment !== environment) {
    if (typeof model !== 'string' || typeof version !== 'string' || typeof service !== 'string') return undefined;
    if ((typeof project !== 'string' && project !== null) || (typeof environment !== 'string' && environment !== null)) return undefined;
    f = last = {
      model,
      version,
      project,
      service,
      environment,
      head: `,"model":${JSON.stringify(model)},"version":${JSON.stringify(version)},"timestamp":`,
      middle: `,"project":${JSON.stringify(project)},"service":${JSON.stringify(service)},"environment":${JSON.stringify(environment)},"segment":`,
    };
  }
  if (typeof r.predictionId !== 'string' || typeof r.segment !== 'string' || typeof r.status !== 'string' || typeof r.errorType !== 'string') return undefined;
  if (typeof r.traceId !== 'string' || typeof r.spanId !== 'string') return undefined;
  if (typeof r.timestamp !== 'number' || typeof r.latencyMs !== 'number' || typeof r.sampleRate !== 'number') return undefined;
  if ((typeof r.inputTokens !== 'number' && r.inputTokens !== null) || (typeof r.outputTokens !== 'number' && r.outputTokens !== null)) return undefined;
  const features = objectJson(r.features, 1);
  const outputs = objectJson(r.outputs, 1);
  const attributes = objectJson(r.attributes, 1);
  if (features === undefined || outputs === undefined || attributes === undefined) return undefined;
  let embedding = '';
  const e = r.embedding;
  if (e !== undefined) {
    if (!Array.isArray(e)) return undefined;
    for (let i = 0; i < e.length; i++) {
      const x: unknown = e[i];
      if (typeof x !== 'number') return undefined;
      embedding += i === 0 ? numberJson(x) : `,${numberJson(x)}`;
    }
    embedding = `,"embedding":[${embedding}]`;
  }
  return (
    `{"predictionId":${quoteJson(r.predictionId)}${f.head}${numberJson(r.timestamp)}${f.middle}${quoteJson(r.segment)},"latencyMs":${millisJson(r.latencyMs)}` +
    `,"status":${quoteJson(r.status)},"errorType":${quoteJson(r.errorType)},"features":${features},"outputs":${outputs}` +
    `,"inputTokens":${numberJson(r.inputTokens)},"outputTokens":${numberJson(r.outputTokens)},"sampleRate":${numberJson(r.sampleRate)}` +
    `,"traceId":${quoteJson(r.traceId)},"spanId":${quoteJson(r.spanId)},"attributes":${attributes}${embedding}}`
  );
}

/**
 * `numberJson` of a latency: for a number on the nanosecond grid (what the monitor's records carry,
 * see `toNanosecond`) written from its integer count of nanoseconds, without V8's
 * double-to-shortest-text conversion (about 0.3 µs for such a number; an integer's text is cheap).
 * The same text: `n` is then exactly `ns / 1e6` (checked), the text has at most 6 decimals, and
 * no shorter text is as close to `n` on that grid.
 */
export function millisJson(n: number): string {
  if (n >= 0 && n < 1e9) {
    const ns = Math.round(n * 1e6);
    if (ns / 1e6 === n) {
      const whole = Math.floor(ns / 1e6);
      let frac = ns - whole * 1e6;
      if (frac === 0) return String(whole);
      let digits = 6;
      while (frac % 10 === 0) {
        frac /= 10;
        digits--;
      }
      return `${whole}.${String(frac).padStart(digits, '0')}`;
    }
  }
  return numberJson(n);
}

/** A number's JSON (`null` for NaN, infinities and null). */
function numberJson(n: number | null): string {
  return typeof n === 'number' && Number.isFinite(n) ? String(n) : 'null';
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
