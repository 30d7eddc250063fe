#!/usr/bin/env node
/**
 * Starts the example fraud service. Configuration from the environment:
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | `HOST` | `127.0.0.1` | interface to listen on |
 * | `PORT` | `3000` | port; `0` picks a free one |
 * | `INFERLENS_ENDPOINT` | `http://127.0.0.1:4318` | the collector |
 * | `INFERLENS_SDK` | `on` | `off` runs the model unwrapped (benchmark baseline); the benchmark's cost split: `context` (unwrapped, but with the context manager, W3C propagator and `context.with` per request), `otel` (no Inferlens: plain OpenTelemetry, one span per model call through a BatchSpanProcessor and the official OTLP/protobuf exporter), `spans` (SDK, spans exported, prediction records to a no-op exporter), `predictions` (SDK, records exported, no spans: a non-recording tracer) |
 * | `FRAUD_MODEL` | `noop` | `trees`: `makeTreeFraudModel()` (~100 µs of CPU per call) instead of the no-cost `fraudModel` |
 * | `GBT_TREES` | 3000 | trees of the `trees` model |
 * | `INFERLENS_MAX_QUEUE_SIZE` | SDK default (2048) | `batch.maxQueueSize` |
 * | `INFERLENS_MAX_EXPORT_BATCH_SIZE` | SDK default (512) | `batch.maxExportBatchSize` |
 * | `INFERLENS_SCHEDULED_DELAY_MILLIS` | SDK default (1000) | `batch.scheduledDelayMillis` |
 * | `INFERLENS_MAX_BACKOFF_MILLIS` | SDK default (5000) | exporter `maxBackoffMillis` (and `initialBackoffMillis` when smaller than its default) |
 * | `INFERLENS_EXPORT_THREAD` | SDK default (`main`) | exporter `thread`: `worker` posts records from a worker thread |
 *
 * These variables are read by this example, not by the SDK. Prints one JSON
 * line `{"msg":"listening","port":…}` when ready, one line
 * `{"msg":"records lost",…}` per loss report of the SDK (`onDataLoss`: at most
 * one per 10 s per queue), and the SDK's `diag` warnings on stderr; on
 * SIGTERM/SIGINT closes the server, shuts the monitor down and prints
 * `{"msg":"stopped","stats":…}`.
 */
import { context, diag, DiagConsoleLogger, DiagLogLevel, propagation, ProxyTracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createMonitor, HttpFeedbackExporter, HttpPredictionExporter, type BatchProcessorConfig, type HttpExporterOptions, type Monitor } from '@inferlens/sdk';
import { buildApp } from './app.js';
import { fraudModel, makeTreeFraudModel } from './fraud-model.js';

type SdkMode = 'off' | 'context' | 'otel' | 'spans' | 'predictions' | 'on';
const MODES: readonly SdkMode[] = ['off', 'context', 'otel', 'spans', 'predictions', 'on'];

function sdkMode(): SdkMode {
  const raw = process.env.INFERLENS_SDK || 'on';
  if (!(MODES as readonly string[]).includes(raw)) throw new Error(`INFERLENS_SDK: expected one of ${MODES.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as SdkMode;
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a number >= 0, got ${JSON.stringify(raw)}`);
  return n;
}

function makeMonitor(mode: SdkMode): Monitor | undefined {
  if (mode === 'off') return undefined;
  // Trace context: an async-local context manager and the W3C propagator, so an
  // incoming traceparent parents the prediction span. No tracer provider is
  // registered, so the SDK starts its own and exports spans to the collector.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (mode === 'context' || mode === 'otel') return undefined;

  const endpoint = process.env.INFERLENS_ENDPOINT || 'http://127.0.0.1:4318';
  const project = 'examples';
  const maxBackoff = envNumber('INFERLENS_MAX_BACKOFF_MILLIS');
  const http: HttpExporterOptions = { endpoint, project };
  const thread = process.env.INFERLENS_EXPORT_THREAD;
  if (thread === 'main' || thread === 'worker') http.thread = thread;
  else if (thread) throw new Error(`INFERLENS_EXPORT_THREAD: expected main or worker, got ${JSON.stringify(thread)}`);
  if (maxBackoff !== undefined) {
    http.maxBackoffMillis = maxBackoff;
    http.initialBackoffMillis = Math.min(1000, maxBackoff);
  }
  const batch: BatchProcessorConfig = {};
  const size = envNumber('INFERLENS_MAX_QUEUE_SIZE');
  const batchSize = envNumber('INFERLENS_MAX_EXPORT_BATCH_SIZE');
  const delay = envNumber('INFERLENS_SCHEDULED_DELAY_MILLIS');
  if (size !== undefined) batch.maxQueueSize = size;
  if (batchSize !== undefined) batch.maxExportBatchSize = batchSize;
  if (delay !== undefined) batch.scheduledDelayMillis = delay;
  return createMonitor({
    serviceName: 'fraud-service',
    endpoint,
    project,
    environment: process.env.NODE_ENV || 'development',
    batch,
    exporter: mode === 'spans' ? { export: async () => ({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} } : new HttpPredictionExporter(http),
    // `predictions`: a tracer provider without a delegate hands out non-recording spans.
    ...(mode === 'predictions' ? { tracerProvider: new ProxyTracerProvider() } : {}),
    feedbackExporter: new HttpFeedbackExporter(http),
    // The customer's e-mail is useful for joining, never to be sent in clear.
    features: { redact: { email: 'hash' } },
    // Lost records (a long collector outage, refusals) as a log line a log pipeline can alert on.
    onDataLoss: ({ queue, dropped, failed, byReason, lastError, stats }) =>
      process.stdout.write(JSON.stringify({ msg: 'records lost', queue, dropped, failed, byReason, lastError, stats }) + '\n'),
  });
}

/** `otel`: a plain OpenTelemetry tracer provider exporting to the endpoint (no Inferlens). */
function plainProvider(): BasicTracerProvider {
  const endpoint = process.env.INFERLENS_ENDPOINT || 'http://127.0.0.1:4318';
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'fraud-service' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
  });
}

async function main(): Promise<void> {
  // The SDK says what goes wrong (an unreachable collector, lost records) through OpenTelemetry's diag.
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  const mode = sdkMode();
  const monitor = makeMonitor(mode);
  const model = process.env.FRAUD_MODEL === 'trees' ? makeTreeFraudModel(envNumber('GBT_TREES') ?? 3000) : fraudModel;
  const otel = mode === 'otel' ? plainProvider() : undefined;
  const app = buildApp({ monitor, model, traceContext: mode !== 'off', ...(otel ? { tracer: otel.getTracer('fraud-service') } : {}) });
  await app.listen({ host: process.env.HOST || '127.0.0.1', port: envNumber('PORT') ?? 3000 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : undefined;
  process.stdout.write(JSON.stringify({ msg: 'listening', port, sdk: monitor !== undefined, mode }) + '\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await monitor?.shutdown();
    await otel?.shutdown();
    process.stdout.write(JSON.stringify({ msg: 'stopped', stats: monitor?.stats() ?? null }) + '\n');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error) => {
  process.stderr.write(`fastify-service: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
