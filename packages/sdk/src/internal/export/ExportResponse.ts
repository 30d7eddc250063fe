/**
 * What a transport answers for one body, as `@opentelemetry/otlp-exporter-base` models it:
 * `success` carries the collector's reply (the exporter reads it, see `collector-reply.ts`);
 * `failure` must not be sent again; `retryable` may succeed later, after the server's
 * `Retry-After` when it sent one. A transport resolves with one of these and never rejects.
 */
export type ExportResponse =
  | { readonly status: 'success'; readonly reply: string }
  | { readonly status: 'failure'; readonly error: Error }
  | { readonly status: 'retryable'; readonly error: Error; readonly retryAfterMillis?: number };

/** A `failure` response with `message` (and the error that caused it). */
export function failure(message: string, cause?: unknown): ExportResponse {
  return { status: 'failure', error: cause === undefined ? new Error(message) : new Error(message, { cause }) };
}

/** The answer of a transport that was shut down. */
export function shutDownResponse(): ExportResponse {
  return failure('exporter is shut down');
}
