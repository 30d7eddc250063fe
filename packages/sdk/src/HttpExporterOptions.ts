/** Options of `HttpPredictionExporter` and `HttpFeedbackExporter`. */
export interface HttpExporterOptions {
  /**
   * Base URL of the collector; the exporter appends `/v1/predictions` or `/v1/feedback`.
   * @default 'http://127.0.0.1:4318'
   */
  endpoint?: string;
  /** Full URL to post to; overrides `endpoint`. */
  url?: string;
  /** Extra request headers, e.g. an `authorization` header. @default {} */
  headers?: Record<string, string>;
  /**
   * Inferlens API key (an `ingest` key of the project), sent as `Authorization: Bearer <key>`;
   * an `authorization` header in `headers` wins. Needed when the collector runs with
   * `auth.mode: required`.
   * @default undefined (no key)
   */
  apiKey?: string;
  /**
   * CA certificates (PEM text) to trust for an `https:` collector, besides Node's own: for a
   * collector whose certificate a private CA signed (`tls.certFile`). Read the file yourself:
   * `ca: readFileSync('ca.pem', 'utf8')`.
   * @default undefined (Node's trusted CAs)
   */
  ca?: string;
  /**
   * Project for records that do not name one, sent as `X-Inferlens-Project`.
   * @default 'default' (the collector's default)
   */
  project?: string;
  /**
   * Body compression: `'gzip'` (level 1) or `'none'`. See `MonitorOptions.compression` for the trade-off.
   * @default 'none' (as OpenTelemetry's OTLP exporters)
   */
  compression?: 'gzip' | 'none';
  /**
   * Time limit of one HTTP attempt in milliseconds, the reply's body included: a collector that
   * hangs, or answers too slowly, counts as unreachable (the batch stays queued and is retried).
   * @default 10000
   */
  timeoutMillis?: number;
  /**
   * First wait before another attempt, in milliseconds, after a network error, a timeout or
   * HTTP 408, 429 or 5xx; doubles with each consecutive failure, with jitter (half fixed, half
   * random). A `Retry-After` header takes precedence. Attempts go on until the records are
   * delivered: meanwhile they stay in the batch processor's queue, within its bounds.
   * @default 1000
   */
  initialBackoffMillis?: number;
  /**
   * Longest wait before another attempt in milliseconds (also caps `Retry-After`), so that the
   * records go out within this long of the collector's return.
   * @default 5000
   */
  maxBackoffMillis?: number;
  /**
   * Where compression and the HTTP requests run: `'main'`, the caller's event loop (compression
   * on libuv's pool; the requests are asynchronous, the serialization yields every 64 records),
   * or `'worker'`, a worker thread of the exporter's own (started on the first export; it never
   * keeps the process alive; if it cannot start, or dies, the exporter carries on on the main
   * thread; the body is transferred to it, not copied). Measured on a 2-core VM
   * (`test/bench/sdk-http.bench.js` and an in-process harness): without gzip, the worker saved the
   * event loop nothing and made a CPU-heavy model (the example's tree ensemble) 10–15 µs a call
   * slower, from the work it put on the other core; with `compression: 'gzip'` it takes the
   * compression off the event loop's core.
   * @default 'main'
   */
  thread?: 'main' | 'worker';
}
