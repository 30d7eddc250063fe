import type { TracerProvider } from '@opentelemetry/api';
import type { BatchProcessorConfig } from './BatchProcessorConfig.js';
import type { DataLossReport } from './DataLossReport.js';
import type { FeaturePolicy } from './FeaturePolicy.js';
import type { FeedbackExporter } from './FeedbackExporter.js';
import type { PredictionExporter } from './PredictionExporter.js';
import type { ProcessMetricsOptions } from './ProcessMetricsOptions.js';

/** Options of `createMonitor`. Only `serviceName` is required. */
export interface MonitorOptions {
  /** Name of the calling service (`service.name`, `PredictionRecord.service`). Required. */
  serviceName: string;
  /**
   * Collector base URL, used for `/v1/predictions`, `/v1/feedback` and (when
   * the SDK starts its own tracer provider) `/v1/traces`.
   * @default 'http://127.0.0.1:4318'
   */
  endpoint?: string;
  /** Inferlens project of every record and span. @default 'default' */
  project?: string;
  /** Deployment environment, e.g. `production`. @default '' */
  environment?: string;
  /** Extra HTTP headers on every export (auth, for example). @default {} */
  headers?: Record<string, string>;
  /**
   * Inferlens API key (an `ingest` key of `project`), sent on every export (records, feedback and
   * the own tracer provider's spans) as `Authorization: Bearer <key>`; an `authorization` header in
   * `headers` wins. Needed when the collector runs with `auth.mode: required`.
   * @default undefined (no key)
   */
  apiKey?: string;
  /**
   * CA certificates (PEM text) to trust for an `https:` collector, besides Node's own, for every export (records, feedback, own spans): for a
   * collector whose certificate a private CA signed (`tls.certFile`). Read the file yourself:
   * `ca: readFileSync('ca.pem', 'utf8')`.
   * @default undefined (Node's trusted CAs)
   */
  ca?: string;
  /**
   * Compression of every export the monitor makes (records, feedback, and the spans of its own
   * tracer provider): `'gzip'` (level 1) or `'none'`. Gzip makes prediction records about 6x
   * smaller (580 → 90 bytes for the example's) and costs about 10 µs of CPU per record and span
   * (in the export worker, but on the same cores as the service); choose it when the collector
   * is across a slow or metered network.
   * @default 'none' (as OpenTelemetry's OTLP exporters)
   */
  compression?: 'gzip' | 'none';
  /**
   * Share of calls that produce a prediction record, in `(0, 1]`. Every call
   * still gets a span (span sampling is the tracer provider's business); the
   * rate is stored on each record as `sampleRate`.
   * @default 1
   */
  sampleRate?: number;
  /** What of the features and outputs may leave the process. @default {} (everything) */
  features?: FeaturePolicy;
  /** Queue bounds and batching of prediction records. @default see `BatchProcessorConfig` */
  batch?: BatchProcessorConfig;
  /** Where prediction records go. @default new HttpPredictionExporter({ endpoint, headers, project }) */
  exporter?: PredictionExporter;
  /** Where feedback goes. @default new HttpFeedbackExporter({ endpoint, headers, project }) */
  feedbackExporter?: FeedbackExporter;
  /**
   * Tracer provider for the prediction spans. When omitted: the global one if
   * the host registered one (the SDK then adds nothing to tracing), otherwise
   * an own `BasicTracerProvider` exporting OTLP/protobuf to `{endpoint}/v1/traces`,
   * which the monitor also flushes and shuts down.
   * @default the global provider, or an own one
   */
  tracerProvider?: TracerProvider;
  /**
   * Longest time `shutdown()` waits for the queues to drain, in milliseconds.
   * @default 5000
   */
  shutdownTimeoutMillis?: number;
  /**
   * Called when records are lost (dropped or refused), at most once per 10 s per queue
   * (predictions, feedback), with what was lost since the previous call, why, and the totals;
   * the same report is logged as a `diag` warning. Called from a timer, never on the caller's
   * stack; what it throws is caught and logged. Use it to raise a metric or an alert of your own.
   * @default undefined
   * @example
   * ```ts
   * createMonitor({ serviceName: 'checkout', onDataLoss: (r) => lostRecords.add(r.dropped + r.failed, { queue: r.queue }) });
   * ```
   */
  onDataLoss?: (report: DataLossReport) => void;
  /**
   * Record the serving process's resource use as OpenTelemetry metrics: CPU, memory, event-loop
   * delay and utilization, V8 heap and GC (see `ProcessMetricsOptions`), exported over OTLP to
   * `{endpoint}/v1/metrics` (or through the host's meter provider). Opt-in: needs
   * `@opentelemetry/host-metrics` and `@opentelemetry/instrumentation-runtime-node` installed
   * (optional peer dependencies), and `@opentelemetry/api` 1.3 or newer.
   * @default false
   * @example
   * ```ts
   * createMonitor({ serviceName: 'chat', processMetrics: true });
   * createMonitor({ serviceName: 'chat', processMetrics: { exportIntervalMillis: 5000 } });
   * ```
   */
  processMetrics?: boolean | ProcessMetricsOptions;
  /**
   * Make this monitor the one the top-level `instrument()` wrappers use (until
   * it is shut down or another monitor registers).
   * @default true
   */
  registerGlobal?: boolean;
}
