import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { DAY_MS } from '../helpers/clock.js';

// Issue 13, "one request's rows never fail another request": a valid backfill whose records
// span more than 100 days used to make the shared insert fail (ClickHouse's
// max_partitions_per_insert_block; predictions, otel_traces and otel_logs are partitioned by
// day), and every request batched with it got 503, for ever on retry. Here a collector child
// process batches for 200 ms, so the requests below certainly share batches, and:
// - a backfill of 150 days within the age bound is stored beside 20 clients' traffic, all 200;
// - the issue's own backfill (from 2000-01-01) is rejected record by record, and the traffic
//   beside it is stored;
// - three 40-day backfills sent at once are all stored;
// - the same for spans through /v1/traces (OTLP protobuf, the official serializer).
// All times are relative to now.

const CLIENTS = 20;
const ROUNDS = 5;
const PER_REQUEST = 20;

interface IngestReply {
  accepted: number;
  rejected: number;
  errors: string[];
}

interface Answer {
  status: number;
  body: string;
}

let dataDir: string;
let collector: CollectorProcess;

beforeAll(async () => {
  dataDir = tempDataDir();
  // The jobs stay idle (first run after an hour): a backfill gives each of them a window per
  // backfilled hour to close, which is their own matter, and shutting down waits for a run.
  collector = await startCollector({ dataDir, env: { INFERLENS_BATCH_MAX_DELAY_MS: '200', INFERLENS_DRIFT_INTERVAL_MS: '3600000' } });
});

afterAll(async () => {
  await collector?.stop();
  removeDir(dataDir);
});

async function post(path: string, body: string | Uint8Array, contentType: string): Promise<Answer> {
  const r = await fetch(`${collector.url}${path}`, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: r.status, body: contentType === 'application/x-protobuf' ? Buffer.from(await r.arrayBuffer()).toString('base64') : await r.text() };
}

function postPredictions(records: unknown[]): Promise<Answer> {
  return post('/v1/predictions', records.map((r) => JSON.stringify(r)).join('\n'), 'application/x-ndjson');
}

/** Predictions of `model` stored, counted through the read API. */
async function storedPredictions(model: string): Promise<number> {
  const r = await fetch(`${collector.url}/api/v1/predictions?model=${model}&limit=10000`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { predictions: unknown[] }).predictions.length;
}

/** Spans of a trace stored, through the read API (0 when none). */
async function storedSpans(traceId: string): Promise<number> {
  const r = await fetch(`${collector.url}/api/v1/traces/${traceId}`);
  if (r.status === 404) return 0;
  expect(r.status).toBe(200);
  return ((await r.json()) as { spans: unknown[] }).spans.length;
}

/** 20 clients, each posting 5 requests of 20 predictions one after the other, timed a minute ago. */
function predictionTraffic(model: string): Promise<Answer[]> {
  const client = async (c: number): Promise<Answer[]> => {
    const answers: Answer[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t = Date.now() - 60_000;
      const records = Array.from({ length: PER_REQUEST }, (_, i) => ({ predictionId: `${model}-${c}-${round}-${i}`, model, latencyMs: 3, timestamp: t + i, features: { x: i } }));
      answers.push(await postPredictions(records));
    }
    return answers;
  };
  return Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c))).then((all) => all.flat());
}

/** Every answer 200 with all its records accepted. */
function expectAllStored(answers: Answer[], what: string): void {
  expect(answers).toHaveLength(CLIENTS * ROUNDS);
  for (const a of answers) {
    expect(a.status, `${what}: ${a.body}`).toBe(200);
    expect((JSON.parse(a.body) as IngestReply).accepted, `${what}: ${a.body}`).toBe(PER_REQUEST);
  }
}

/** A protobuf `ExportTraceServiceRequest` of spans in one trace, one per start time (ms), from the official SDK and serializer. */
function spansBody(traceId: string, startsMs: number[]): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'isolation' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('isolation-e2e');
  const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
  startsMs.forEach((ms, i) => tracer.startSpan(`op-${i}`, { startTime: ms }, parent).end(ms + 5));
  return ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!;
}

const traceIdOf = (n: number): string => n.toString(16).padStart(32, 'a');

/** 20 clients, each posting 5 requests of 20 spans of its own trace, started a minute ago. */
function spanTraffic(firstTrace: number): Promise<Answer[]> {
  const client = async (c: number): Promise<Answer[]> => {
    const answers: Answer[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t = Date.now() - 60_000;
      answers.push(await post('/v1/traces', spansBody(traceIdOf(firstTrace + c), Array.from({ length: PER_REQUEST }, (_, i) => t + i)), 'application/x-protobuf'));
    }
    return answers;
  };
  return Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c))).then((all) => all.flat());
}

/** The `partial_success` of a protobuf `ExportTraceServiceResponse` (answered base64 by {@link post}). */
function partialSuccess(a: Answer): { rejectedSpans: number; errorMessage: string } {
  const response = ProtobufTraceSerializer.deserializeResponse(Buffer.from(a.body, 'base64'));
  return { rejectedSpans: Number(response.partialSuccess?.rejectedSpans ?? 0), errorMessage: response.partialSuccess?.errorMessage ?? '' };
}

describe('one request\'s rows never fail another request (predictions)', () => {
  it('stores a 150-day backfill within the age bound beside 20 clients\' traffic: every request 200, every record stored', async () => {
    const now = Date.now();
    const backfill = Array.from({ length: 150 }, (_, i) => ({ predictionId: `bf-${i}`, model: 'backfill-150', latencyMs: 1, timestamp: now - (i + 1) * DAY_MS }));
    const [traffic, answer] = await Promise.all([predictionTraffic('beside-150'), postPredictions(backfill)]);
    expectAllStored(traffic, 'a client beside the backfill');
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ accepted: 150, rejected: 0, errors: [] });
    expect(await storedPredictions('beside-150')).toBe(CLIENTS * ROUNDS * PER_REQUEST);
    expect(await storedPredictions('backfill-150')).toBe(150);
  });

  it('rejects the issue\'s backfill from 2000-01-01 record by record, naming the bound, and stores every request beside it', async () => {
    const backfill = Array.from({ length: 150 }, (_, i) => ({ predictionId: `old-${i}`, model: 'backfill-2000', timestamp: Date.UTC(2000, 0, 1) + i * DAY_MS }));
    const [traffic, answer] = await Promise.all([predictionTraffic('beside-2000'), postPredictions(backfill)]);
    expectAllStored(traffic, 'a client beside the old backfill');
    expect(answer.status, answer.body).toBe(200);
    const reply = JSON.parse(answer.body) as IngestReply;
    expect([reply.accepted, reply.rejected, reply.errors.length]).toEqual([0, 150, 100]);
    expect(reply.errors[0]).toMatch(
      /^record 0: timestamp: 2000-01-01T00:00:00\.000Z is older than limits\.maxEventAgeSeconds allows \(31622400 s before the collector's clock: \d{4}-/,
    );
    expect(await storedPredictions('beside-2000')).toBe(CLIENTS * ROUNDS * PER_REQUEST);
    expect(await storedPredictions('backfill-2000')).toBe(0);
  });

  it('stores three 40-day backfills sent at once', async () => {
    const now = Date.now();
    const answers = await Promise.all(
      [0, 1, 2].map((k) =>
        postPredictions(Array.from({ length: 40 }, (_, i) => ({ predictionId: `forty-${k}-${i}`, model: 'forty', timestamp: now - (k * 40 + i + 1) * DAY_MS }))),
      ),
    );
    for (const a of answers) {
      expect(a.status, a.body).toBe(200);
      expect(JSON.parse(a.body)).toMatchObject({ accepted: 40, rejected: 0 });
    }
    expect(await storedPredictions('forty')).toBe(120);
  });
});

describe('one request\'s spans never fail another request (/v1/traces, OTLP protobuf)', () => {
  it('stores a 150-day span backfill within the age bound beside 20 clients\' spans', async () => {
    const now = Date.now();
    const backfillTrace = traceIdOf(1_000);
    const [traffic, answer] = await Promise.all([
      spanTraffic(2_000),
      post('/v1/traces', spansBody(backfillTrace, Array.from({ length: 150 }, (_, i) => now - (i + 1) * DAY_MS)), 'application/x-protobuf'),
    ]);
    for (const a of traffic) {
      expect(a.status).toBe(200);
      expect(partialSuccess(a).rejectedSpans).toBe(0);
    }
    expect(answer.status).toBe(200);
    expect(partialSuccess(answer)).toEqual({ rejectedSpans: 0, errorMessage: '' });
    for (let c = 0; c < CLIENTS; c++) expect(await storedSpans(traceIdOf(2_000 + c)), `client ${c}`).toBe(ROUNDS * PER_REQUEST);
    expect(await storedSpans(backfillTrace)).toBe(150);
  });

  it('rejects a span backfill from 2000-01-01 span by span (partial_success), and stores the spans beside it', async () => {
    const oldTrace = traceIdOf(3_000);
    const [traffic, answer] = await Promise.all([
      spanTraffic(4_000),
      post('/v1/traces', spansBody(oldTrace, Array.from({ length: 150 }, (_, i) => Date.UTC(2000, 0, 1) + i * DAY_MS)), 'application/x-protobuf'),
    ]);
    for (const a of traffic) expect(a.status).toBe(200);
    expect(answer.status).toBe(200);
    const partial = partialSuccess(answer);
    expect(partial.rejectedSpans).toBe(150);
    expect(partial.errorMessage).toMatch(
      /^150 rejected: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.startTimeUnixNano: 2000-01-01T00:00:00\.000Z is older than limits\.maxEventAgeSeconds allows/,
    );
    for (let c = 0; c < CLIENTS; c++) expect(await storedSpans(traceIdOf(4_000 + c)), `client ${c}`).toBe(ROUNDS * PER_REQUEST);
    expect(await storedSpans(oldTrace)).toBe(0);
  });
});
