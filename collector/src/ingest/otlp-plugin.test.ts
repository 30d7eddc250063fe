import { metricsPlugin } from '../metrics/metrics-plugin.js';
import { admissionPlugin } from '../http/admission-plugin.js';
import { DEFAULT_CONFIG } from '../config.js';
import Fastify, { type FastifyInstance } from 'fastify';
import protobuf from 'protobufjs/minimal.js';
import type { Writer } from 'protobufjs/minimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RECORD_LIMITS } from '@inferlens/semconv';
import { StoreError } from '../errors.js';
import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { InsertBatcher } from '../store/InsertBatcher.js';
import { FEEDBACK } from '../store/schema/feedback.js';
import { OTEL_LOGS } from '../store/schema/otel-logs.js';
import { OTEL_METRICS_GAUGE, OTEL_METRICS_SUM } from '../store/schema/otel-metrics.js';
import { OTEL_TRACES } from '../store/schema/otel-traces.js';
import { PREDICTIONS } from '../store/schema/predictions.js';
import { decodeRows, type RowCodec } from '../store/schema/TableDefinition.js';
import { otlpPlugin } from './otlp-plugin.js';
import { httpPlugin } from '../http/http-plugin.js';
import { makeBatchers } from '../plugins/store-plugin.js';

// The receivers driven in-process over real InsertBatchers whose store is a fake: each insert
// waits until the test settles it, so "answered only after storage" and "a failed insert is
// never a 200" are checked step by step, without an engine.

interface PendingInsert {
  table: string;
  /** The rows, RowBinary. */
  payload: Buffer;
  resolve: () => void;
  reject: (err: unknown) => void;
}

class FakeStore {
  readonly maxPartitionsPerInsert = 100;
  readonly inserts: PendingInsert[] = [];
  #waiters: Array<() => void> = [];
  insertRowBinary<R>(codec: RowCodec<R>, chunks: readonly Uint8Array[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.inserts.push({ table: codec.table, payload: Buffer.concat(chunks), resolve, reject });
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  /** Resolves once `n` inserts have been started. */
  async started(n: number): Promise<PendingInsert[]> {
    while (this.inserts.length < n) await new Promise<void>((r) => this.#waiters.push(r));
    return this.inserts.slice(0, n);
  }
}

const MAX_PENDING_ROWS = 1000;
const LIMITS = DEFAULT_CONFIG.limits;

/** The engine's error for a full disk, as @clickhouse/client hands it over: the store is unavailable, not the rows at fault. */
const NOT_ENOUGH_SPACE = Object.assign(new Error('Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)'), { code: '243', type: 'NOT_ENOUGH_SPACE' });

async function makeApp(store: FakeStore, maxQueueWaitMs = 0): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  // The HTTP layer's root error handler writes the receivers' errors (as a google.rpc.Status).
  await app.register(metricsPlugin);
  await app.register(httpPlugin);
  app.decorate(
    'batchers',
    makeBatchers((codec) => new InsertBatcher(store as unknown as ClickHouseStore, codec, { maxDelayMs: 1, maxPendingRows: MAX_PENDING_ROWS })),
  );
  const limits = { ...LIMITS, maxBodyBytes: 1 << 20, maxDecompressedBytes: 4 << 20, maxRecordsPerRequest: 10_000, maxEventAgeSeconds: 86_400, maxEventAheadSeconds: 3600 };
  await app.register(admissionPlugin, { maxBytesInFlight: limits.maxBytesInFlight, maxBodyBytes: limits.maxBodyBytes, maxQueueWaitMs });
  await app.register(otlpPlugin, { limits, recordLimits: DEFAULT_RECORD_LIMITS, maxPendingRows: MAX_PENDING_ROWS });
  await app.ready();
  return app;
}

const str = (s: string) => ({ stringValue: s });
const kv = (o: Record<string, string>) => ({ kvlistValue: { values: Object.entries(o).map(([key, v]) => ({ key, value: str(v) })) } });

/** An hour ago, in Unix nanoseconds: within the event-time bounds. */
const RECENT_NS = (BigInt(Date.now()) - 3_600_000n) * 1_000_000n;

/** An OTLP/JSON logs request: one plain log, `predictions` prediction events, one feedback event. */
function mixedLogs(predictions = 1): string {
  const t = String(RECENT_NS);
  const records = [
    { timeUnixNano: t, body: str('plain log line') },
    ...Array.from({ length: predictions }, (_, i) => ({ timeUnixNano: t, eventName: 'inferlens.prediction', body: kv({ predictionId: `p-${i}`, model: 'm' }) })),
    { timeUnixNano: t, eventName: 'inferlens.feedback', body: kv({ predictionId: 'p-0', label: 'yes' }) },
  ];
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: str('svc') }] }, scopeLogs: [{ logRecords: records }] }] });
}

/** A protobuf `ExportTraceServiceRequest` holding one span. */
function oneSpanProto(): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(10).fork(); // resource_spans
  w.uint32(18).fork(); // scope_spans
  w.uint32(18).fork(); // spans
  w.uint32(10).bytes(new Uint8Array(16).fill(1)); // trace_id
  w.uint32(18).bytes(new Uint8Array(8).fill(2)); // span_id
  w.uint32(42).string('op'); // name
  fixed64(w.uint32(57), RECENT_NS); // start_time_unix_nano
  fixed64(w.uint32(65), RECENT_NS + 1_000_000n); // end_time_unix_nano
  w.ldelim().ldelim().ldelim();
  return w.finish();
}

function fixed64(writer: Writer, value: bigint): void {
  writer.fixed32(Number(value & 0xffffffffn)).fixed32(Number(value >> 32n));
}

/** Decodes a `google.rpc.Status` (code = 1, message = 2). */
function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  const r = protobuf.Reader.create(bytes);
  const out = { code: 0, message: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) out.code = r.int32();
    else if (tag >>> 3 === 2) out.message = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}

/** An OTLP/JSON metrics request: `gauges` gauge points, a sum point and a point with no time (rejected). */
function metricsRequest(gauges = 1): string {
  const t = String(RECENT_NS);
  const metrics = [
    { name: 'g', gauge: { dataPoints: Array.from({ length: gauges }, (_, i) => ({ timeUnixNano: t, asDouble: i })) } },
    { name: 's', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: t, asInt: '5' }, { asInt: '6' }] } },
  ];
  return JSON.stringify({ resourceMetrics: [{ resource: {}, scopeMetrics: [{ metrics }] }] });
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('otlpPlugin acknowledges only what is stored', () => {
  it('answers a mixed logs request only after the logs, predictions and feedback inserts all succeed', async () => {
    const store = new FakeStore();
    app = await makeApp(store);
    let answered = false;
    const response = app
      .inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json' }, payload: mixedLogs() })
      .then((r) => ((answered = true), r));
    const inserts = await store.started(3);
    expect(inserts.map((i) => i.table).sort()).toEqual([FEEDBACK.table, OTEL_LOGS.table, PREDICTIONS.table].sort());
    inserts[0]!.resolve();
    inserts[1]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    inserts[2]!.resolve();
    const r = await response;
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({});
  });

  for (const failing of [OTEL_LOGS.table, PREDICTIONS.table, FEEDBACK.table]) {
    it(`answers 503 with Retry-After and a google.rpc.Status, never 200, when the ${failing} insert fails`, async () => {
      const store = new FakeStore();
      app = await makeApp(store);
      const response = app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json' }, payload: mixedLogs() });
      for (const i of await store.started(3)) {
        if (i.table === failing) i.reject(new StoreError(`insert into ${failing} failed: disk full`, NOT_ENOUGH_SPACE));
        else i.resolve();
      }
      const r = await response;
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('2');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.json()).toMatchObject({ code: 14, message: expect.stringContaining(failing) });
    });
  }

  it('answers a failed span insert with 503, Retry-After and a protobuf google.rpc.Status to a protobuf request', async () => {
    const store = new FakeStore();
    app = await makeApp(store);
    const response = app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.from(oneSpanProto()) });
    const [insert] = await store.started(1);
    expect(insert!.table).toBe(OTEL_TRACES.table);
    insert!.reject(new StoreError('insert into otel_traces failed: timeout', new Error('timeout')));
    const r = await response;
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('2');
    expect(r.headers['content-type']).toBe('application/x-protobuf');
    expect(decodeStatus(r.rawPayload)).toEqual({ code: 14, message: expect.stringContaining('otel_traces') });
  });

  it('answers 400 INVALID_ARGUMENT, without Retry-After, when the engine refuses the rows themselves', async () => {
    const store = new FakeStore();
    app = await makeApp(store);
    const response = app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.from(oneSpanProto()) });
    const [insert] = await store.started(1);
    const parseError = Object.assign(new Error('Cannot read all data. Bytes read: 3. Bytes expected: 8. (CANNOT_READ_ALL_DATA)'), { code: '33', type: 'CANNOT_READ_ALL_DATA' });
    insert!.reject(new StoreError('insert into otel_traces failed: Cannot read all data', parseError));
    const r = await response;
    expect(r.statusCode).toBe(400);
    expect(r.headers['retry-after']).toBeUndefined();
    expect(decodeStatus(r.rawPayload)).toEqual({ code: 3, message: expect.stringMatching(/refused this request's rows for otel_traces: Cannot read all data/) });
  });

  it('times a plain log record that carries neither time nor observed time when it receives it, instead of at the epoch', async () => {
    const store = new FakeStore();
    app = await makeApp(store);
    const before = Date.now();
    const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: str('no time at all') }, { timeUnixNano: String(RECENT_NS), body: str('timed') }] }] }] });
    const response = app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json' }, payload: body });
    const [insert] = await store.started(1);
    insert!.resolve();
    expect((await response).statusCode).toBe(200);
    const [untimed, timed] = decodeRows(OTEL_LOGS, insert!.payload).map((row) => Number(row.Timestamp) * 1000);
    expect(untimed).toBeGreaterThanOrEqual(before - 1);
    expect(untimed).toBeLessThanOrEqual(Date.now() + 1);
    expect(timed).toBeCloseTo(Number(RECENT_NS / 1_000_000n), -1);
  });

  it('refuses a logs request whole when one of its tables is saturated: nothing of it reaches the other tables', async () => {
    const store = new FakeStore();
    app = await makeApp(store);
    // One prediction more than the predictions batcher may hold; the plain log and the feedback would fit.
    const r = await app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json' }, payload: mixedLogs(MAX_PENDING_ROWS + 1) });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json()).toMatchObject({ code: 14, message: expect.stringContaining('predictions') });
    expect(app.batchers.logs.stats().pendingRows).toBe(0);
    expect(app.batchers.feedback.stats().pendingRows).toBe(0);
    expect(store.inserts).toEqual([]);
  });

  it('answers a metrics request only after its gauge and sum inserts succeed, with the rejected point in partialSuccess', async () => {
    const store = new FakeStore();
    app = await makeApp(store);
    let answered = false;
    const response = app
      .inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: metricsRequest() })
      .then((r) => ((answered = true), r));
    const inserts = await store.started(2);
    expect(inserts.map((i) => i.table).sort()).toEqual([OTEL_METRICS_GAUGE.table, OTEL_METRICS_SUM.table]);
    expect(decodeRows(OTEL_METRICS_SUM, inserts.find((i) => i.table === OTEL_METRICS_SUM.table)!.payload).map((row) => row.Value)).toEqual([5]);
    inserts[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    inserts[1]!.resolve();
    const r = await response;
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      partialSuccess: { rejectedDataPoints: '1', errorMessage: '1 rejected: resourceMetrics[0].scopeMetrics[0].metrics[1].sum.dataPoints[1].timeUnixNano: missing (0); a data point needs its time' },
    });
  });

  it("hands every table's share of a logs or metrics request the request's key and answer deadline (limits.maxQueueWaitMs)", async () => {
    const store = new FakeStore();
    app = await makeApp(store, LIMITS.maxQueueWaitMs);
    const seen: Array<{ table: string; key: string | undefined; deadline: number | undefined }> = [];
    for (const batcher of Object.values(app.batchers) as Array<InsertBatcher<unknown>>) {
      const add = batcher.add.bind(batcher);
      batcher.add = (rows, options) => {
        if (rows.length > 0) seen.push({ table: batcher.table, key: options?.key, deadline: options?.deadline });
        return add(rows, options);
      };
    }
    const before = performance.now();
    const logs = app.inject({ method: 'POST', url: '/v1/logs', headers: { 'content-type': 'application/json' }, payload: mixedLogs() });
    const metrics = app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: metricsRequest() });
    for (const insert of await store.started(5)) insert.resolve();
    expect((await logs).statusCode).toBe(200);
    expect((await metrics).statusCode).toBe(200);
    expect(seen.map((s) => s.table).sort()).toEqual([FEEDBACK.table, OTEL_LOGS.table, OTEL_METRICS_GAUGE.table, OTEL_METRICS_SUM.table, PREDICTIONS.table].sort());
    for (const s of seen) {
      expect(s.deadline, s.table).toBeGreaterThan(before);
      expect(s.deadline, s.table).toBeLessThanOrEqual(performance.now() + LIMITS.maxQueueWaitMs);
      // Feedback has no identity: no request key to store.
      if (s.table !== FEEDBACK.table) expect(s.key, s.table).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('refuses a metrics request whole when one of its tables is saturated', async () => {
    const store = new FakeStore();
    app = await makeApp(store);
    const r = await app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: metricsRequest(MAX_PENDING_ROWS + 1) });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: 14, message: expect.stringContaining('otel_metrics_gauge') });
    expect(app.batchers.sum.stats().pendingRows).toBe(0);
    expect(store.inserts).toEqual([]);
  });

  it('refuses a metrics request with more data points than limits.maxRecordsPerRequest with 413, naming the limit', async () => {
    const store = new FakeStore();
    app = await makeApp(store);
    const r = await app.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: metricsRequest(10_000) });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ code: 8, message: 'the request holds 10002 data points, more than limits.maxRecordsPerRequest (10000); split it' });
    expect(store.inserts).toEqual([]);
  });
});
