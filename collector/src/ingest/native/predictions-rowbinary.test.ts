import { DEFAULT_RECORD_LIMITS, type RecordLimits } from '@inferlens/semconv';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../../test/helpers/random.js';
import { PREDICTIONS } from '../../store/schema/predictions.js';
import { decodeRows, encodeRows } from '../../store/schema/TableDefinition.js';
import { EventTimeBounds } from '../EventTimeBounds.js';
import { TooManyRecordsError } from '../../errors.js';
import { InvalidBodyError, parseRecordBody, type RecordError } from './parse-records.js';
import { transcodePredictions } from './predictions-rowbinary.js';
import { predictionToRow } from './to-rows.js';
import type { RecordPolicy } from '../record-policy.js';

// The transcoder must give exactly the bytes of the validator, `predictionToRow` and the
// RowBinary codec (what the store inserted before it existed), with the same rejections. The
// codec derives from the `predictions` definition, so these byte comparisons also check the
// transcoder's hand-written column order against the definition: a column moved, added or
// retyped there fails them.

// The receive time both paths are given (an injected clock, a whole second of today, so no fixed
// date ever meets the event-time bounds built around it), and event times near it.
const NOW_MS = Math.floor(Date.now() / 1000) * 1000;
const RECEIVED = BigInt(NOW_MS) * 1_000_000n + 123_456_789n;
/** An ISO timestamp of today (ISO strings are valid but left to the validator). */
const NOW_ISO = new Date(NOW_MS).toISOString();
/** Small limits, so that random records cross every one of them. */
const SMALL: RecordLimits = {
  maxFeatures: 6,
  maxOutputs: 3,
  maxAttributes: 4,
  maxKeyLength: 8,
  maxStringLength: 12,
  maxNameLength: 10,
  maxIdLength: 16,
};

interface Outcome {
  rows: Buffer;
  count: number;
  /** The rows' partition days, ascending. */
  days: number[];
  rejected: RecordError[];
  slowRecords: number;
  error?: Error;
}

const failed = (err: unknown): Outcome => ({ rows: Buffer.alloc(0), count: 0, days: [], rejected: [], slowRecords: 0, error: err as Error });
const ascending = (days: Iterable<number>): number[] => [...new Set(days)].sort((x, y) => x - y);

function viaRows(body: string, limits: RecordLimits, maxRecords: number, project: string | undefined, bounds: EventTimeBounds | undefined, policy?: RecordPolicy): Outcome {
  try {
    const p = parseRecordBody(body, 'prediction', limits, maxRecords, bounds, policy);
    const rows = p.records.map((r) => predictionToRow(r, RECEIVED, project));
    const days = ascending(rows.map((r) => PREDICTIONS.partitionDay!(r)));
    return { rows: encodeRows(PREDICTIONS, rows), count: rows.length, days, rejected: p.rejected, slowRecords: rows.length };
  } catch (err) {
    return failed(err);
  }
}

function viaTranscoder(body: string, limits: RecordLimits, maxRecords: number, project: string | undefined, bounds: EventTimeBounds | undefined, policy?: RecordPolicy): Outcome {
  try {
    const t = transcodePredictions(body, limits, maxRecords, RECEIVED, project, bounds, policy);
    return { rows: Buffer.from(t.rows), count: t.count, days: ascending(t.days), rejected: t.rejected, slowRecords: t.slowRecords };
  } catch (err) {
    return failed(err);
  }
}

/** Asserts both paths agree on `body` (rows, bytes, partition days, rejections); returns the transcoder's result. */
function expectSame(
  body: string,
  limits: RecordLimits = DEFAULT_RECORD_LIMITS,
  project?: string,
  maxRecords = 10_000,
  bounds?: EventTimeBounds,
  policy?: RecordPolicy,
): Outcome {
  const a = viaRows(body, limits, maxRecords, project, bounds, policy);
  const b = viaTranscoder(body, limits, maxRecords, project, bounds, policy);
  if (a.error) {
    expect(b.error, `the transcoder accepted a body the row path refuses: ${a.error.message}`).toBeDefined();
    expect(b.error!.constructor).toBe(a.error.constructor);
    expect(b.error!.message).toBe(a.error.message);
    return b;
  }
  if (b.error) throw b.error;
  expect({ count: b.count, days: b.days, rejected: b.rejected }).toEqual({ count: a.count, days: a.days, rejected: a.rejected });
  if (!b.rows.equals(a.rows)) {
    const at = b.rows.findIndex((byte, i) => byte !== a.rows[i]);
    throw new Error(`RowBinary differs at byte ${at} of ${a.rows.length} (transcoder: ${b.rows.length} bytes) for body ${body.slice(0, 400)}`);
  }
  return b;
}

const ndjson = (records: unknown[]): string => records.map((r) => JSON.stringify(r)).join('\n');

/** Bounds that the random records' timestamps straddle: RECEIVED - 1 s to RECEIVED + 10 s. */
const NEAR = EventTimeBounds.around(RECEIVED, { maxEventAgeSeconds: 1, maxEventAheadSeconds: 10 });

/** A record as the SDK builds it (see PredictionCall.emitRecords): what the fast path is for. */
function sdkRecord(i: number): Record<string, unknown> {
  return {
    predictionId: `01JD${i.toString(36).padStart(8, '0')}XYZ`,
    model: 'fraud',
    version: '2024-05',
    timestamp: NOW_MS + i * 0.123456,
    project: null,
    service: 'checkout-api',
    environment: i % 2 ? null : 'prod',
    segment: i % 3 ? '' : 'eu',
    latencyMs: 3.25 + i / 7,
    status: i % 5 ? 'ok' : 'error',
    errorType: i % 5 ? '' : 'TimeoutError',
    features: { amount: 12.5 * i, country: ['FR', 'DE', 'US'][i % 3], returning: i % 2 === 0, note: null, email: 'sha256:ab12' },
    outputs: i % 4 ? { score: i / 1000, label: 'fraud' } : {},
    inputTokens: i % 7,
    outputTokens: 0,
    sampleRate: i % 2 ? 1 : 0.25,
    traceId: i % 6 ? '0af7651916cd43dd8448eb211c80319c' : '',
    spanId: i % 6 ? 'b7ad6b7169203331' : '',
    attributes: i % 3 ? { 'http.route': '/score', 'inferlens.batch.index': i, cached: false } : {},
  };
}

describe('transcodePredictions', () => {
  it('gives the row path\'s bytes for SDK records, all through the fast path', () => {
    const records = Array.from({ length: 300 }, (_, i) => sdkRecord(i));
    for (const project of [undefined, 'team-a']) {
      const t = expectSame(ndjson(records), DEFAULT_RECORD_LIMITS, project);
      expect(t.count).toBe(300);
      expect(t.slowRecords).toBe(0);
    }
    const t = expectSame(JSON.stringify(records));
    expect(t.slowRecords).toBe(0);
  });

  it('writes rows that read back through the table definition as the row path\'s rows, field by field', () => {
    const records = Array.from({ length: 50 }, (_, i) => sdkRecord(i));
    const t = transcodePredictions(ndjson(records), DEFAULT_RECORD_LIMITS, 10_000, RECEIVED, 'team-a');
    const rows = parseRecordBody(ndjson(records), 'prediction', DEFAULT_RECORD_LIMITS, 10_000).records.map((r) => predictionToRow(r, RECEIVED, 'team-a'));
    expect(decodeRows(PREDICTIONS, t.rows)).toEqual(rows);
  });

  it('writes timestamps exactly, at the 32-bit and range edges and with fractions', () => {
    const MAX_MS = 9_223_372_036_854;
    const times = [0, 1, 0.5, 0.0000004, 0.9999996, 4294.967295, 4294.967296, 4294967295, 4294967296, 4294967296.5, 1e12 + 0.001, MAX_MS - 1, MAX_MS - 0.5, MAX_MS, NOW_MS + 0.999_999_9];
    // A fraction that rounds up to the next millisecond, and with it to the next day (partition).
    times.push(86_399_999.999_999_6);
    const g = rng(11);
    for (let i = 0; i < 2000; i++) times.push(Math.floor(g.uniform() * MAX_MS) + (i % 2 ? g.uniform() : 0));
    const t = expectSame(ndjson(times.map((timestamp, i) => ({ predictionId: `p${i}`, model: 'm', timestamp }))));
    expect(t.count).toBe(times.length);
    expect(t.slowRecords).toBe(0);
    // Out of range, or not a number: the validator's errors.
    const bad = expectSame(ndjson([MAX_MS + 1, -1, NOW_ISO, true].map((timestamp) => ({ predictionId: 'p', model: 'm', timestamp }))));
    expect(bad.rejected.map((e) => e.field)).toEqual(['timestamp', 'timestamp', 'timestamp']);
    expect(bad.slowRecords).toBe(1);
  });

  it('rejects event times outside the bounds exactly as the row path does, at the edges and in between', () => {
    // Bounds around the receive time: one hour back, one minute ahead; RECEIVED has nanoseconds,
    // so the edges in milliseconds are rounded inwards for the fast path.
    const bounds = EventTimeBounds.around(RECEIVED, { maxEventAgeSeconds: 3600, maxEventAheadSeconds: 60 });
    const minNs = RECEIVED - 3_600_000_000_000n;
    const maxNs = RECEIVED + 60_000_000_000n;
    expect([bounds.minNs, bounds.maxNs]).toEqual([minNs, maxNs]);
    const lo = Number(minNs / 1_000_000n); // the millisecond holding the lower edge
    const hi = Number(maxNs / 1_000_000n);
    const iso = (ns: bigint) => `${new Date(Number(ns / 1_000_000n)).toISOString().slice(0, -1)}${String(ns % 1_000_000n).padStart(6, '0')}Z`;
    // A day before the receive time: far below the lower edge, whatever the date.
    const dayBefore = Number(RECEIVED / 1_000_000n) - 86_400_000;
    const dayBeforeIso = new Date(dayBefore).toISOString();
    const times: unknown[] = [
      lo - 1, lo, lo + 0.123456, lo + 0.1234565, lo + 0.9999995, lo + 1, hi - 1, hi - 0.0000004, hi, hi + 0.123456, hi + 0.123457, hi + 1,
      dayBefore, 9_223_372_036_854, 0, null, undefined,
      iso(minNs - 1n), iso(minNs), iso(maxNs), iso(maxNs + 1n), dayBeforeIso,
    ];
    const g = rng(5);
    // Random times within 5 s of either edge, whole or with a fraction.
    for (let i = 0; i < 3000; i++) times.push((i % 2 ? lo : hi) - 5000 + Math.floor(g.uniform() * 10_000) + (i % 3 ? g.uniform() : 0));
    const records = times.map((timestamp, i) => ({ predictionId: `p${i}`, model: 'm', ...(timestamp === undefined ? {} : { timestamp }) }));
    const t = expectSame(ndjson(records), DEFAULT_RECORD_LIMITS, undefined, 10_000, bounds);
    // About half of the random times fall outside.
    expect(t.rejected.length).toBeGreaterThan(1000);
    expect(t.count).toBeGreaterThan(1000);
    expect(t.slowRecords).toBeLessThan(20); // in-bounds epoch milliseconds take the fast path
    expect(new Set(t.rejected.map((e) => e.field))).toEqual(new Set(['timestamp']));
    const byIndex = new Map(t.rejected.map((e) => [e.index, e.message]));
    expect(byIndex.get(0)).toMatch(/is older than limits\.maxEventAgeSeconds allows \(3600 s before the collector's clock: /);
    expect(byIndex.get(11)).toMatch(/is further ahead than limits\.maxEventAheadSeconds allows \(60 s after the collector's clock: /);
    expect(byIndex.get(12)).toMatch(new RegExp(`^${dayBeforeIso.replace(/\./g, '\\.')} is older than`));
    // A record without a timestamp takes the receive time, which is within the bounds.
    for (const i of [15, 16]) expect(byIndex.has(i)).toBe(false);
    // The ISO edges, to the nanosecond.
    expect([17, 18, 19, 20].map((i) => byIndex.has(i))).toEqual([true, false, false, true]);
  });

  it('agrees with the row path on random records, valid or not, within and over the limits', () => {
    const g = rng(42);
    const u = g.uniform;
    const pick = <T>(items: T[]): T => items[Math.floor(u() * items.length)]!;
    /** Mostly one of `good`, sometimes (4%) one of `odd`: valid but unusual, or invalid. */
    const either = (good: unknown[], odd: unknown[]): unknown => {
      const v = u() < 0.04 ? pick(odd) : pick(good);
      return typeof v === 'function' ? v() : v;
    };
    const key = (): unknown => either(['a', 'b', 'f1', 'k'.repeat(8), 'toString'], ['0', '10', '2', '__proto__', '', 'k'.repeat(9), 'clé']);
    const scalar = (): unknown =>
      either(
        [() => u() * 100, () => 'fr', () => 'x'.repeat(12), true, false, null],
        [-0, 1e308, '@INF@', '', 'éé', '\ud800', '😀', 'a\nb', 'y'.repeat(13), [1], { a: 1 }],
      );
    const map = (): unknown => {
      if (u() < 0.05) return pick([null, 'x', [], 3]);
      const m: Record<string, unknown> = {};
      const n = Math.floor(u() * (u() < 0.1 ? 9 : 4));
      for (let i = 0; i < n; i++) m[key() as string] = scalar();
      return m;
    };
    const hex = (n: number): unknown =>
      either(
        [() => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(u() * 16)]).join(''), '', null],
        [
          () => Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(u() * 16)]).join(''),
          '0'.repeat(n),
          '0'.repeat(n - 1) + '1',
          'g'.repeat(n),
          'a'.repeat(n + 1),
          7,
        ],
      );
    const name = (): unknown => either(['s', '', null, 's'.repeat(10)], [false, 's'.repeat(11), 'ß', 3]);
    const record = (i: number): unknown => {
      if (u() < 0.03) return pick([null, 1, 'x', [], [{ predictionId: 'a' }]]);
      const r: Record<string, unknown> = {};
      const set = (field: string, v: unknown) => {
        if (v !== undefined && u() > 0.2) r[field] = v;
      };
      r.predictionId = either([`id-${i}`, 'i'.repeat(16)], [undefined, '', 'i'.repeat(17), 5, null, 'ü-id']);
      r.model = either(['m', 'model-one'], [undefined, 'm'.repeat(11), '', 3, null]);
      set('version', name());
      // ISO timestamps are valid but left to the validator.
      set('timestamp', either([NOW_MS + i * 100, 1.5, NOW_MS + 0.25, null, NOW_ISO.replace('.000Z', '.5Z')], [-3, 1e20, `${NOW_ISO.slice(0, 4)}-13-01T00:00:00Z`, true]));
      set('project', either(['default', '', 'p1', 'p2', null], [4, 'p'.repeat(11)]));
      for (const f of ['service', 'environment', 'segment', 'errorType']) set(f, name());
      set('latencyMs', either([0, 12.5, null], [-0, -1, '@INF@', '3']));
      set('status', either(['ok', 'error', null], ['OK', '', 1]));
      set('features', map());
      set('outputs', map());
      set('inputTokens', either([0, 12, 2 ** 32 - 1, null], [2 ** 32, 2 ** 53, 1.5, -1, '3', -0]));
      set('outputTokens', either([0, 7, null], [-0, 'x']));
      set('sampleRate', either([1, 0.5, null], [0, 1.5, -0.1, '@INF@', '1']));
      set('traceId', hex(32));
      set('spanId', hex(16));
      set('attributes', map());
      if (u() < 0.15) set('embedding', either([[], [0.5, -1.25, 1e-3], null], [[1, 'x'], [1, '@INF@'], 'v', Array(5000).fill(1)]));
      if (u() < 0.1) r.extra = { ignored: [1, 2] };
      return r;
    };
    let fast = 0;
    let slow = 0;
    let rejected = 0;
    for (let round = 0; round < 500; round++) {
      const records = Array.from({ length: 1 + Math.floor(u() * 20) }, (_, i) => record(i));
      // 1e400 is valid JSON that parses to Infinity; JSON.stringify cannot write it.
      let body = ndjson(records).replaceAll('"@INF@"', pick(['1e400', '-1e400']));
      if (u() < 0.2) body = `[${body.split('\n').join(',')}]`;
      else if (u() < 0.2) body = body.replaceAll('\n', pick(['\r\n', '\n\n', '\n \t\n']));
      const limits = u() < 0.6 ? SMALL : DEFAULT_RECORD_LIMITS;
      // The request's project from a header, or a key bound to p1 (whose records naming p2 are rejected).
      const bound = u() < 0.3;
      const t = expectSame(body, limits, bound ? 'p1' : pick([undefined, 'hdr']), pick([5, 10_000]), pick([undefined, NEAR]), bound ? { onlyProject: 'p1' } : undefined);
      fast += t.count - t.slowRecords;
      slow += t.slowRecords;
      rejected += t.rejected.length;
    }
    // Every path taken many times.
    expect(fast).toBeGreaterThan(100);
    expect(slow).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });

  it('agrees with the row path on mutated bodies', () => {
    const g = rng(7);
    const u = g.uniform;
    const base = ndjson(Array.from({ length: 6 }, (_, i) => sdkRecord(i)));
    const alphabet = ['"', '0', '9', '-', '.', 'e', '{', '}', '[', ']', ',', ':', 'n', 'A', 'é', '\n', ' ', '\\'];
    for (let m = 0; m < 1500; m++) {
      const chars = [...base];
      for (let k = 1 + Math.floor(u() * 3); k > 0; k--) {
        const at = Math.floor(u() * chars.length);
        const op = u();
        if (op < 0.4) chars[at] = alphabet[Math.floor(u() * alphabet.length)]!;
        else if (op < 0.7) chars.splice(at, 1);
        else chars.splice(at, 0, alphabet[Math.floor(u() * alphabet.length)]!);
      }
      expectSame(chars.join(''), u() < 0.5 ? SMALL : DEFAULT_RECORD_LIMITS);
    }
  });

  it('throws the row path\'s errors for a body it cannot take', () => {
    const records = ndjson([{ predictionId: 'a', model: 'm' }, { predictionId: 'b', model: 'm' }, { predictionId: 'c', model: 'm' }]);
    expect(() => transcodePredictions(records, DEFAULT_RECORD_LIMITS, 2, RECEIVED, undefined)).toThrow(TooManyRecordsError);
    expect(() => transcodePredictions('[{"predictionId": "a",', DEFAULT_RECORD_LIMITS, 2, RECEIVED, undefined)).toThrow(InvalidBodyError);
  });

  it('rejects alone, as the row path does, each record naming another project than a bound key\'s', () => {
    const records = Array.from({ length: 60 }, (_, i) => ({ ...sdkRecord(i), project: [null, 'acme', 'other', 'default', ''][i % 5] }));
    const t = expectSame(ndjson(records), DEFAULT_RECORD_LIMITS, 'acme', 10_000, undefined, { onlyProject: 'acme' });
    expect(t.count).toBe(48);
    expect(t.rejected).toHaveLength(12);
    expect(new Set(t.rejected.map((e) => e.index % 5))).toEqual(new Set([2]));
    expect(t.rejected[0]).toEqual({ index: 2, line: 3, field: 'project', message: 'this key writes to project "acme" only, got "other"' });
    // The others stay on the fast path; the refused ones take the validator's, which rejects them.
    expect(t.slowRecords).toBe(0);
    expect(t.rows.toString('latin1')).not.toContain('other');
  });

  it('takes the request\'s project for records whose project is the default', () => {
    const body = ndjson([{ predictionId: 'a', model: 'm' }, { predictionId: 'b', model: 'm', project: 'default' }, { predictionId: 'c', model: 'm', project: 'own' }]);
    const t = expectSame(body, DEFAULT_RECORD_LIMITS, 'hdr');
    expect(t.count).toBe(3);
    const text = t.rows.toString('latin1');
    expect(text.split('hdr').length - 1).toBe(2);
    expect(text).toContain('own');
    expect(text).not.toContain('default');
  });
});
