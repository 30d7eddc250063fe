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
   * Project for records that do not name one, sent as `X-Inferlens-Project`.
   * @default 'default' (the collector's default)
   */
  project?: string;
  /**
   * Body compression.
   * @default 'gzip'
   */
  compression?: 'gzip' | 'none';
  /**
   * Time limit of one HTTP attempt in milliseconds.
   * @default 10000
   */
  timeoutMillis?: number;
  /**
   * Time limit of one export, all retries included, in milliseconds.
   * @default 30000
   */
  exportTimeoutMillis?: number;
  /**
   * Most attempts per batch, the first included. Retried: network errors,
   * timeouts and HTTP 429, 502, 503, 504; never 400 or other statuses.
   * @default 5
   */
  maxAttempts?: number;
  /**
   * First wait before a retry in milliseconds; doubles per retry, with
   * jitter. A `Retry-After` header takes precedence.
   * @default 1000
   */
  initialBackoffMillis?: number;
  /**
   * Longest wait before a retry in milliseconds (also caps `Retry-After`).
   * @default 5000
   */
  maxBackoffMillis?: number;
  /**
   * Where compression and the HTTP requests run: `'worker'`, a worker thread of the exporter's
   * own (started on the first export; it never keeps the process alive; if it cannot start, or
   * dies, the exporter carries on on the main thread), or `'main'`, the caller's event loop
   * (compression on libuv's pool). Records are serialized on the caller's thread either way.
   * Measured on a 2-core VM (`test/bench/sdk-http.bench.js`): the worker takes 10–20 µs of
   * main-thread CPU per request off a Fastify service with a ~60 µs model.
   * @default 'worker'
   */
  thread?: 'main' | 'worker';
}
