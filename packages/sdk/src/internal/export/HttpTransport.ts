import { context } from '@opentelemetry/api';
import { SUPPRESS_TRACING_KEY } from '../suppress-tracing.js';
import { failure, shutDownResponse, type ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import { isRetryableStatus, parseRetryAfter } from './retry.js';

/** Where and how `HttpTransport` posts. */
export interface HttpTransportOptions {
  /** The full URL posted to. */
  readonly url: string;
  /** Every request header (content type and encoding included). */
  readonly headers: Readonly<Record<string, string>>;
  /** Time limit of one attempt in milliseconds (the caller's limit may be shorter). */
  readonly timeoutMillis: number;
}

/**
 * One POST of an encoded body with `fetch`, and what its answer means: 2xx is `success` with
 * the reply text; 408, 429 and 5xx (with `Retry-After`), network errors and timeouts (of the
 * whole exchange, the reply's body included: a collector that hangs or trickles) are
 * `retryable`; any other status is a `failure` (a refusal). No retries here: the batch
 * processor retries, see `BatchRecordProcessor`.
 */
export class HttpTransport implements ExportTransport<Uint8Array> {
  private readonly abort = new AbortController();

  constructor(private readonly options: HttpTransportOptions) {}

  async send(body: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    if (this.abort.signal.aborted) return shutDownResponse();
    const { url, headers } = this.options;
    try {
      const limit = Math.max(1, Math.min(this.options.timeoutMillis, timeoutMillis));
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(limit)]);
      // As OpenTelemetry's exporters do: a host's HTTP client instrumentation must not trace the export itself.
      const response = await context.with(context.active().setValue(SUPPRESS_TRACING_KEY, true), () => fetch(url, { method: 'POST', headers, body, signal }));
      const text = await response.text();
      if (response.ok) return { status: 'success', reply: text };
      const error = new Error(`HTTP ${response.status} from ${url}: ${text.slice(0, 500)}`);
      if (!isRetryableStatus(response.status)) return { status: 'failure', error };
      const retryAfterMillis = parseRetryAfter(response.headers.get('retry-after'));
      return retryAfterMillis === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMillis };
    } catch (error) {
      if (this.abort.signal.aborted) return failure('export aborted by shutdown', error);
      return { status: 'retryable', error: new Error(`request failed: ${describe(error)}`, { cause: error }) };
    }
  }

  /** Aborts the request in progress; later sends fail at once. */
  async shutdown(): Promise<void> {
    this.abort.abort();
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
