import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { removeDir, serverDatabaseFor, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// Text that is not valid UTF-8 (or, in JSON, a lone surrogate escape) through HTTP into the real
// engine: every endpoint keeps the record and stores U+FFFD in place of each ill-formed
// subsequence (collector/src/ingest/utf8-text.ts). After the collector stops, the stored bytes
// themselves are checked: valid UTF-8 everywhere, EF BF BD where the bytes were ill-formed.

const ENCODED_SURROGATE = [0xed, 0xa0, 0x80]; // three ill-formed bytes: three U+FFFD
const MARKER = Buffer.from('ZQZ'); // as long as ENCODED_SURROGATE, so a protobuf body stays valid when swapped
const BAD = 'a\ufffd\ufffd\ufffdb';

let dataDir: string;
let collector: CollectorProcess;

beforeAll(async () => {
  dataDir = tempDataDir();
  collector = await startCollector({ dataDir });
});

afterAll(async () => {
  await collector?.stop();
  removeDir(dataDir);
});

/** `body` with every `ZQZ` replaced by the encoded surrogate (same length: lengths and tags stay valid). */
function withIllFormed(body: Uint8Array): Buffer {
  const out = Buffer.from(body);
  for (let at = out.indexOf(MARKER); at >= 0; at = out.indexOf(MARKER, at + MARKER.length)) out.set(ENCODED_SURROGATE, at);
  return out;
}

async function getJson(path: string): Promise<any> {
  const r = await fetch(`${collector.url}${path}`);
  expect(r.status, path).toBe(200);
  return r.json();
}

async function post(path: string, body: Uint8Array, contentType: string): Promise<Response> {
  return fetch(`${collector.url}${path}`, { method: 'POST', body, headers: { 'content-type': contentType } });
}

describe('ill-formed UTF-8 through HTTP', () => {
  let traceId = '';

  it('OTLP protobuf: keeps the span and the log record, with U+FFFD in their strings', async () => {
    const spans = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'utf8-e2e' }),
      spanProcessors: [new SimpleSpanProcessor(spans)],
    }).getTracer('utf8-scope');
    const span = tracer.startSpan('span aZQZb', { attributes: { 'model.name': 'aZQZb' } }, context.active());
    span.addEvent('event aZQZb');
    span.end();
    traceId = span.spanContext().traceId;
    const traces = await post('/v1/traces', withIllFormed(ProtobufTraceSerializer.serializeRequest(spans.getFinishedSpans())!), 'application/x-protobuf');
    expect(traces.status).toBe(200);

    const logs = new InMemoryLogRecordExporter();
    new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'utf8-e2e' }), processors: [new SimpleLogRecordProcessor({ exporter: logs })] })
      .getLogger('utf8-scope')
      .emit({ body: 'log aZQZb', attributes: { k: 'aZQZb' }, context: trace.setSpan(context.active(), span) });
    const logged = await post('/v1/logs', withIllFormed(ProtobufLogsSerializer.serializeRequest(logs.getFinishedLogRecords())!), 'application/x-protobuf');
    expect(logged.status).toBe(200);

    const stored = (await getJson(`/api/v1/traces/${traceId}`)).spans[0];
    expect(stored).toMatchObject({ name: `span ${BAD}`, attributes: { 'model.name': BAD }, events: [{ name: `event ${BAD}` }] });
    const log = (await getJson(`/api/v1/logs?traceId=${traceId}`)).logs[0];
    expect(log).toMatchObject({ body: `log ${BAD}`, attributes: { k: BAD } });
  });

  it('native NDJSON: keeps the records, fast path and row path, and a lone surrogate escape', async () => {
    const now = Date.now();
    const body = Buffer.concat([
      Buffer.from(`{"predictionId":"u-1","model":"utf8-e2e","timestamp":${now},"features":{"city":"a`),
      Buffer.from(ENCODED_SURROGATE),
      Buffer.from(`b"}}\n{"predictionId":"u-2","model":"utf8-e2e","timestamp":"${new Date(now).toISOString()}","features":{"a`),
      Buffer.from(ENCODED_SURROGATE),
      Buffer.from(`b":1,"plan":"x\\ud800y"}}\n`),
    ]);
    const r = await post('/v1/predictions', body, 'application/x-ndjson');
    expect(await r.json()).toEqual({ accepted: 2, rejected: 0, errors: [] });
    const got = (await getJson('/api/v1/predictions?model=utf8-e2e')).predictions as Array<Record<string, any>>;
    const byId = Object.fromEntries(got.map((p) => [p.predictionId, p]));
    expect(byId['u-1']!.categoricalFeatures).toEqual({ city: BAD });
    expect(byId['u-2']!.numericFeatures).toEqual({ [BAD]: 1 });
    expect(byId['u-2']!.categoricalFeatures).toEqual({ plan: 'x\ufffdy' });
  });

  it('reference uploads: keep the rows (a lone surrogate escape used to fail the insert with 503)', async () => {
    const body = Buffer.concat([
      Buffer.from('{"features":{"n":1,"c":"a'),
      Buffer.from(ENCODED_SURROGATE),
      Buffer.from('b"}}\n{"features":{"n":2,"c":"x\\ud800y"}}\n'),
    ]);
    const r = await post('/v1/references?model=utf8-e2e&version=v1', body, 'application/x-ndjson');
    expect(r.status, await r.clone().text()).toBe(200);
    expect(await r.json()).toMatchObject({ rows: 2, numericFeatures: ['n'], categoricalFeatures: ['c'] });
  });

  it('stored valid UTF-8 only, with EF BF BD where the bytes were ill-formed', async () => {
    expect(await collector.stop()).toBe(0);
    // hex() in SQL: read as text, raw ill-formed bytes would turn into U+FFFD on the way out too.
    const rows = await queryStore(`
      SELECT what, hex(s) AS h FROM (
      SELECT 'span' AS what, SpanName AS s FROM otel_traces WHERE TraceId = '${traceId}'
      UNION ALL SELECT 'attribute', SpanAttributes['model.name'] FROM otel_traces WHERE TraceId = '${traceId}'
      UNION ALL SELECT 'log', Body FROM otel_logs WHERE TraceId = '${traceId}'
      UNION ALL SELECT 'feature', CategoricalFeatures['city'] FROM predictions WHERE PredictionId = 'u-1'
      UNION ALL SELECT 'surrogate', CategoricalFeatures['plan'] FROM predictions WHERE PredictionId = 'u-2'
      UNION ALL SELECT 'reference', CategoricalFeatures['c'] FROM reference_data) ORDER BY what, h`);
    const stored = rows.map((r) => [r.what, r.h]);
    const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();
    expect(stored).toEqual(
      [
        ['attribute', hex(BAD)],
        ['feature', hex(BAD)],
        ['log', hex(`log ${BAD}`)],
        ['reference', hex(BAD)],
        ['reference', hex('x\ufffdy')],
        ['span', hex(`span ${BAD}`)],
        ['surrogate', hex('x\ufffdy')],
      ].sort(),
    );
    const invalid = await queryStore(`
      SELECT (SELECT countIf(NOT isValidUTF8(SpanName)) FROM otel_traces) + (SELECT countIf(NOT isValidUTF8(Body)) FROM otel_logs)
           + (SELECT countIf(NOT arrayAll(v -> isValidUTF8(v), mapValues(CategoricalFeatures))) FROM predictions)
           + (SELECT countIf(NOT arrayAll(v -> isValidUTF8(v), mapValues(CategoricalFeatures))) FROM reference_data) AS n`);
    expect(Number(invalid[0]!.n)).toBe(0);
  });
});

/** Runs a query on the stored tables: in-process chDB on the stopped collector's data directory, or the test's ClickHouse server. */
async function queryStore(query: string): Promise<Array<Record<string, unknown>>> {
  const { createClient } = await import('@clickhouse/client');
  const serverUrl = process.env.INFERLENS_TEST_CLICKHOUSE_URL;
  let client;
  if (serverUrl) client = createClient({ url: serverUrl, database: serverDatabaseFor(dataDir) });
  else {
    const { createChdbConnection } = await import('chdb/connection');
    client = createClient({ connection: createChdbConnection({ path: dataDir }) } as never);
  }
  try {
    const rs = await client.query({ query, format: 'JSONEachRow' });
    return (await rs.json()) as Array<Record<string, unknown>>;
  } finally {
    await client.close();
  }
}
