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
}
