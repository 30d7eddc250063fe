import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as OTLPTraceExporterHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter as OTLPLogExporterHttp } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { recentWeekOf } from '../helpers/clock.js';

/** Whole seconds of a recent instant (within the event-age bound), for times sent with fixed nanoseconds. */
const RECENT_S = Math.floor(recentWeekOf(Date.parse('2026-11-20T10:00:00Z')) / 1000);

type AnyJson = Record<string, any>;

/** Exact nanoseconds of an HrTime, as a decimal string (a float would round the last digits). */
function ns(t: [number, number]): string {
  return (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();
}

/** Emits a small trace through the given exporter and returns the spans as the SDK saw them. */
async function emitTrace(exporter: SpanExporter, service: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('e2e-scope', '1.2.3');
  const linked = tracer.startSpan('linked');
  linked.end();
  const link: Link = { context: linked.spanContext(), attributes: { 'link.kind': 'follows' } };
  const root = tracer.startSpan('predict', {
    kind: SpanKind.SERVER,
    attributes: { 'inferlens.model.name': 'fraud', 'http.status_code': 200, ratio: 0.25, ok: true, tags: ['a', 'b'] },
    links: [link],
  });
  root.addEvent('first-token', { 'chunk.index': 0 });
  const child = tracer.startSpan('model.call', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root));
  child.recordException(new Error('upstream timeout'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
  child.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans(); // read before shutdown, which clears the in-memory exporter
  await provider.shutdown();
  return spans;
}

function expectStoredSpan(stored: AnyJson, sent: ReadableSpan, service: string): void {
  const ctx = sent.spanContext();
  expect(stored.traceId).toBe(ctx.traceId);
  expect(stored.spanId).toBe(ctx.spanId);
  expect(stored.parentSpanId).toBe(sent.parentSpanContext?.spanId ?? '');
  expect(stored.name).toBe(sent.name);
  expect(stored.serviceName).toBe(service);
  expect(stored.startTimeUnixNano).toBe(ns(sent.startTime));
  expect(stored.endTimeUnixNano).toBe(ns(sent.endTime));
  expect(stored.scope).toEqual({ name: 'e2e-scope', version: '1.2.3' });
  expect(stored.resourceAttributes['deployment.environment.name']).toBe('test');
  expect(stored.kind).toBe(['Internal', 'Server', 'Client', 'Producer', 'Consumer'][sent.kind]);
  expect(stored.status.code).toBe(['Unset', 'Ok', 'Error'][sent.status.code]);
  expect(stored.status.message).toBe(sent.status.message ?? '');
  expect(stored.events).toHaveLength(sent.events.length);
  sent.events.forEach((e, i) => {
    expect(stored.events[i].name).toBe(e.name);
    expect(stored.events[i].timeUnixNano).toBe(ns(e.time));
  });
  expect(stored.links.map((l: AnyJson) => [l.traceId, l.spanId])).toEqual(sent.links.map((l) => [l.context.traceId, l.context.spanId]));
}

async function getTrace(base: string, traceId: string): Promise<AnyJson> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await fetch(`${base}/api/v1/traces/${traceId}`);
    if (r.status === 200) return (await r.json()) as AnyJson;
    if (Date.now() > deadline) throw new Error(`trace ${traceId} not found: ${r.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('OTLP/HTTP ingestion from the official exporters', () => {
  let dataDir: string;
  let collector: CollectorProcess;

  beforeAll(async () => {
    dataDir = tempDataDir();
    collector = await startCollector({ dataDir, env: { INFERLENS_MAX_BODY_BYTES: String(512 * 1024), INFERLENS_MAX_DECOMPRESSED_BYTES: String(4 * 1024 * 1024) } });
  });
  afterAll(async () => {
    await collector?.stop();
    removeDir(dataDir);
  });

  const variants: Array<[string, (url: string) => SpanExporter]> = [
    ['http/json', (url) => new OTLPTraceExporterHttp({ url })],
    ['http/protobuf', (url) => new OTLPTraceExporterProto({ url })],
    ['http/json + gzip', (url) => new OTLPTraceExporterHttp({ url, compression: 'gzip' as never })],
    ['http/protobuf + gzip', (url) => new OTLPTraceExporterProto({ url, compression: 'gzip' as never })],
  ];
  for (const [name, make] of variants) {
    it(`stores spans sent over ${name} field by field`, async () => {
      const service = `svc-${name.replace(/\W+/g, '-')}`;
      const sent = await emitTrace(make(`${collector.url}/v1/traces`), service);
      const predict = sent.find((s) => s.name === 'predict')!;
      const stored = await getTrace(collector.url, predict.spanContext().traceId);
      const byId = new Map((stored.spans as AnyJson[]).map((s) => [s.spanId, s]));
      for (const s of sent.filter((x) => x.spanContext().traceId === predict.spanContext().traceId)) {
        expectStoredSpan(byId.get(s.spanContext().spanId)!, s, service);
      }
      const root = byId.get(predict.spanContext().spanId)!;
      expect(root.attributes).toMatchObject({ 'inferlens.model.name': 'fraud', 'http.status_code': '200', ratio: '0.25', ok: 'true', tags: '["a","b"]' });
      expect(root.events[0].attributes).toEqual({ 'chunk.index': '0' });
      expect(root.links[0].attributes).toEqual({ 'link.kind': 'follows' });
      const child = [...byId.values()].find((s) => s.name === 'model.call')!;
      expect(child.events[0].name).toBe('exception');
      expect(child.events[0].attributes['exception.message']).toBe('upstream timeout');
    });
  }

  const logVariants: Array<[string, (url: string) => LogRecordExporter]> = [
    ['http/json', (url) => new OTLPLogExporterHttp({ url })],
    ['http/protobuf', (url) => new OTLPLogExporterProto({ url })],
  ];
  for (const [name, make] of logVariants) {
    it(`routes log records sent over ${name}: plain logs to otel_logs, prediction events to predictions`, async () => {
      const service = `logs-${name.replace(/\W+/g, '-')}`;
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        processors: [new SimpleLogRecordProcessor({ exporter: make(`${collector.url}/v1/logs`) })],
      });
      const logger = provider.getLogger('e2e-logs', '0.1.0');
      const tracer = new BasicTracerProvider().getTracer('t');
      const span = tracer.startSpan('parent');
      const ctx = trace.setSpan(context.active(), span);
      logger.emit({ body: 'model loaded', severityNumber: SeverityNumber.INFO, severityText: 'INFO', attributes: { 'model.size': 42 }, context: ctx });
      const predictionId = `otlp-${name.replace(/\W+/g, '-')}`;
      logger.emit({
        eventName: 'inferlens.prediction',
        timestamp: [RECENT_S, 123456789],
        body: { predictionId, model: 'otlp-model', version: 'v1', latencyMs: 7.5, features: { x: 1.5, city: 'Paris' }, outputs: { y: 0.5 } },
        context: ctx,
      });
      await provider.forceFlush();
      await provider.shutdown();
      span.end();

      const logs = (await (await fetch(`${collector.url}/api/v1/logs?service=${service}`)).json()) as { logs: AnyJson[] };
      expect(logs.logs).toHaveLength(1);
      expect(logs.logs[0]).toMatchObject({
        body: 'model loaded', severityText: 'INFO', severityNumber: 9, serviceName: service, scopeName: 'e2e-logs', scopeVersion: '0.1.0',
        attributes: { 'model.size': '42' }, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId,
      });
      const preds = (await (await fetch(`${collector.url}/api/v1/predictions?predictionId=${predictionId}`)).json()) as { predictions: AnyJson[] };
      expect(preds.predictions).toHaveLength(1);
      expect(preds.predictions[0]).toMatchObject({
        model: 'otlp-model', version: 'v1', latencyMs: 7.5, service, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId,
        numericFeatures: { x: 1.5 }, categoricalFeatures: { city: 'Paris' }, numericOutputs: { y: 0.5 },
        timeUnixNano: `${RECENT_S}123456789`,
      });
    });
  }

  it('answers bad requests as the OTLP/HTTP specification says and stays up', async () => {
    const url = `${collector.url}/v1/traces`;
    const truncated = Buffer.from([0x0a, 0xff, 0x01, 0x0a]);
    const r1 = await fetch(url, { method: 'POST', body: truncated, headers: { 'content-type': 'application/x-protobuf' } });
    expect(r1.status).toBe(400);
    expect(r1.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    const status = Buffer.from(await r1.arrayBuffer());
    expect(status[0]).toBe(0x08); // google.rpc.Status.code
    expect(status.toString('utf8')).toMatch(/protobuf/i);

    const r2 = await fetch(url, { method: 'POST', body: '{"resourceSpans": [', headers: { 'content-type': 'application/json' } });
    expect(r2.status).toBe(400);
    const s2 = (await r2.json()) as AnyJson;
    expect(s2.code).toBe(3);
    expect(s2.message).toMatch(/json/i);

    const r3 = await fetch(url, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(r3.status).toBe(415);

    const r4 = await fetch(url, { method: 'POST', body: Buffer.alloc(600 * 1024, 1), headers: { 'content-type': 'application/x-protobuf' } });
    expect(r4.status).toBe(413);

    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024));
    const r5 = await fetch(url, { method: 'POST', body: bomb, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } });
    expect(r5.status).toBe(413);

    const good = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'ok-span', kind: 2, startTimeUnixNano: `${RECENT_S}000000001`, endTimeUnixNano: `${RECENT_S}000000101` };
    const bad = { ...good, spanId: 'zz', name: 'bad-span' };
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] }, scopeSpans: [{ scope: { name: 's' }, spans: [good, bad] }] }] };
    const r6 = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(r6.status).toBe(200);
    const partial = (await r6.json()) as AnyJson;
    expect(Number(partial.partialSuccess.rejectedSpans)).toBe(1);
    expect(partial.partialSuccess.errorMessage).toMatch(/spanId/);
    const stored = await getTrace(collector.url, good.traceId);
    expect(stored.spans.map((s: AnyJson) => s.name)).toEqual(['ok-span']);
    expect(stored.spans[0].startTimeUnixNano).toBe(`${RECENT_S}000000001`);
    expect(stored.spans[0].durationNano).toBe('100');

    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });
});
