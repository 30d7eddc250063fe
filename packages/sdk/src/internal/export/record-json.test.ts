import { describe, expect, it } from 'vitest';
import { SdkPredictionRecord } from '../SdkPredictionRecord.js';
import { millisJson, quoteJson, recordJson } from './record-json.js';

/** xorshift32: the same records every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const TRICKY_STRINGS = ['', 'plain', 'Zürich', 'quote " inside', 'back\\slash', 'new\nline', 'tab\t', '\u0000nul', '\u001f', '\u007f', 'emoji 😀', 'lone \ud800 high', 'lone \udc00 low', 'pair \ud83d\ude00', '\u2028\u2029', '</script>', 'a'.repeat(300)];
const TRICKY_NUMBERS = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1796645167642.3457, NaN, Infinity, -Infinity];

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * 12);
  if (k < 3) return TRICKY_STRINGS[Math.floor(r() * TRICKY_STRINGS.length)];
  if (k < 6) return TRICKY_NUMBERS[Math.floor(r() * TRICKY_NUMBERS.length)];
  if (k === 6) return r() < 0.5;
  if (k === 7) return null;
  if (k === 8) return undefined;
  if (k === 9 && depth < 2) return map(r, depth + 1);
  if (k === 10) return r() * 1000 - 500;
  return `s${Math.floor(r() * 1e6)}`;
}

function map(r: () => number, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const key = r() < 0.15 ? TRICKY_STRINGS[Math.floor(r() * TRICKY_STRINGS.length)] : r() < 0.1 ? String(Math.floor(r() * 20)) : `k${Math.floor(r() * 50)}`;
    o[key] = value(r, depth);
  }
  return o;
}

/** A record shaped as the SDK builds them, with random values where a caller has a say. */
function sdkLike(r: () => number): Record<string, unknown> {
  return {
    predictionId: r() < 0.8 ? 'a1b2c3d4e5f60718293a4b5c6d7e8f90' : String(value(r, 2)),
    model: 'fraud',
    version: 'v3',
    timestamp: 1796645167642 + r(),
    project: 'examples',
    service: 'fraud-service',
    environment: r() < 0.5 ? 'production' : null,
    segment: '',
    // Mostly on the nanosecond grid, as the monitor writes it (see toNanosecond), else any number.
    latencyMs: r() < 0.6 ? Math.round(r() * 10 ** Math.floor(r() * 12)) / 1e6 : r() * 10,
    status: r() < 0.9 ? 'ok' : 'error',
    errorType: '',
    features: map(r, 1),
    outputs: map(r, 1),
    inputTokens: r() < 0.5 ? null : Math.floor(r() * 1000),
    outputTokens: null,
    sampleRate: 1,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    attributes: map(r, 1),
    // Last, as in SdkPredictionRecord; mostly absent, else numbers (non-finite ones are null in JSON).
    embedding: r() < 0.7 ? undefined : Array.from({ length: Math.floor(r() * 6) }, () => (r() < 0.3 ? TRICKY_NUMBERS[Math.floor(r() * TRICKY_NUMBERS.length)] : r() * 2 - 1)),
  };
}

describe('recordJson', () => {
  it('writes exactly what JSON.stringify writes, on 20 000 generated records and their mutations', () => {
    const r = rng(42);
    let fastPath = 0;
    for (let i = 0; i < 20_000; i++) {
      const record = i % 2 === 0 ? sdkLike(r) : map(r, 0);
      // Mutations: a key deleted, added, a value of another type, a nested value.
      const keys = Object.keys(record);
      if (keys.length > 0 && r() < 0.3) delete record[keys[Math.floor(r() * keys.length)]];
      if (r() < 0.3) record[`extra${i % 7}`] = value(r, 0);
      expect(recordJson(record)).toBe(JSON.stringify(record));
      if (!JSON.stringify(record).includes('\\u')) fastPath++;
    }
    expect(fastPath).toBeGreaterThan(1000);
  });

  it("writes a monitor's records (SdkPredictionRecord) exactly as JSON.stringify does, values mutated to other types included", () => {
    const r = rng(7);
    const fields = Object.keys(sdkLike(r));
    for (let i = 0; i < 20_000; i++) {
      const like = sdkLike(r);
      if (i % 3 === 0) like.model = i % 2 ? 'other' : 'fraud'; // the fragments kept for consecutive records change
      const record = new (SdkPredictionRecord as unknown as new (...args: unknown[]) => Record<string, unknown>)(...fields.map((f) => like[f]));
      // Mutations of values, of any type (the fast path must notice and step aside).
      if (r() < 0.3) record[fields[Math.floor(r() * fields.length)]] = value(r, 1);
      expect(recordJson(record)).toBe(JSON.stringify(record));
    }
  });

  it('hands anything but plain objects of primitives back to JSON.stringify, with the same result', () => {
    class Rec {
      a = 1;
    }
    const inherited = Object.create({ hidden: 1 }) as Record<string, unknown>;
    inherited.own = 2;
    const nullProto = Object.assign(Object.create(null) as object, { a: 'x', b: { c: 1 } });
    const cases: unknown[] = [
      { list: [1, 'a', null] },
      { when: new Date(0) },
      { custom: { toJSON: (key: string) => `key:${key}` } },
      { toJSON: () => 'whole' },
      new Rec(),
      inherited,
      nullProto,
      { deep: { deeper: { deepest: 1 } } },
      { fn: () => 1, sym: Symbol('s'), u: undefined, n: null },
      { 2: 'b', 1: 'a', z: 'z', 10: 'c' },
    ];
    for (const c of cases) expect(recordJson(c)).toBe(JSON.stringify(c));
    expect(() => recordJson({ big: 1n })).toThrow(TypeError);
  });

  it('quotes strings as JSON.stringify does', () => {
    for (const s of TRICKY_STRINGS) expect(quoteJson(s)).toBe(JSON.stringify(s));
  });

  it('writes a latency on the nanosecond grid from its integer nanoseconds, the same text as JSON.stringify', () => {
    const r = rng(3);
    const cases = [0, 1e-6, 5e-7, 0.5, 1, 10, 1.5, 0.000123, 123456.789012, 999_999_999.999999, 1e9, 2.1e-5, 42.1, 1.8486328125, -1, Number.NaN, Infinity];
    for (let i = 0; i < 100_000; i++) {
      const ns = Math.floor(r() * 10 ** Math.floor(r() * 16));
      cases.push(ns / 1e6, Math.round((1796645167642 + r()) * 1e6) / 1e6 - 1796645167642, r() * 10 ** Math.floor(r() * 10));
    }
    for (const n of cases) expect(millisJson(n)).toBe(JSON.stringify(n));
  });
});
