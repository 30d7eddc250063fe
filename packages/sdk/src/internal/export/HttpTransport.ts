import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates as tlsRootCertificates } from 'node:tls';
import { context } from '@opentelemetry/api';
import { SUPPRESS_TRACING_KEY } from '../suppress-tracing.js';
import { failure, shutDownResponse, type ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import { isRetryableStatus, parseRetryAfter } from './retry.js';

/** Where and how `HttpTransport` posts. */
export interface HttpTransportOptions {
  /** The full URL posted to (`http:` or `https:`). */
  readonly url: string;
  /** Every request header (content type and encoding included). */
  readonly headers: Readonly<Record<string, string>>;
  /** Time limit of one attempt in milliseconds (the caller's limit may be shorter). */
  readonly timeoutMillis: number;
  /** CA certificates (PEM) trusted for an https: URL besides Node's. */
  readonly ca?: string;
}

/** Longest reply body kept (the collector's replies are small; a misdirected export may get a web page). */
const MAX_REPLY_BYTES = 64 * 1024;

/**
 * One POST of an encoded body with Node's `http`/`https` client over a keep-alive connection,
 * and what its answer means: 2xx is `success` with the reply text; 408, 429 and 5xx (with
 * `Retry-After`), network errors, answers that are not HTTP, and timeouts (of the whole
 * exchange, the reply's body included: a collector that hangs or trickles) are `retryable`; any
 * other status is a `failure` (a refusal). No retries here: the batch processor retries, see
 * `BatchRecordProcessor`. (Not `fetch`: for a 300 KB body its web streams copied the body and
 * cost the export worker several times the CPU of a plain request.)
 */
export class HttpTransport implements ExportTransport<Uint8Array> {
  private readonly abort = new AbortController();
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;

  constructor(private readonly options: HttpTransportOptions) {
    this.url = new URL(options.url);
    const https = this.url.protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true, ...(options.ca ? { ca: [...tlsRootCertificates, options.ca] } : {}) }) : new HttpAgent({ keepAlive: true });
    this.request = https ? (httpsRequest as typeof httpRequest) : httpRequest;
  }

  send(body: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    if (this.abort.signal.aborted) return Promise.resolve(shutDownResponse());
    const { url } = this.options;
    const limit = Math.max(1, Math.min(this.options.timeoutMillis, timeoutMillis));
    return new Promise((resolve) => {
      let req: ClientRequest | undefined;
      let settled = false;
      const finish = (response: ExportResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve(response);
      };
      const fail = (error: unknown): void => {
        if (this.abort.signal.aborted) finish(failure('export aborted by shutdown', error));
        else finish({ status: 'retryable', error: new Error(`request failed: ${describe(error)}`, { cause: error }) });
      };
      const timer = setTimeout(() => req?.destroy(new Error(`no complete answer within ${limit} ms`)), limit);
      timer.unref();
      const onAbort = (): void => void req?.destroy(new Error('aborted'));
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
      try {
        // As OpenTelemetry's exporters do: a host's HTTP client instrumentation must not trace the export itself.
        req = context.with(context.active().setValue(SUPPRESS_TRACING_KEY, true), () =>
          this.request(this.url, { method: 'POST', headers: { ...this.options.headers, 'content-length': String(body.byteLength) }, agent: this.agent }),
        );
        req.on('error', fail);
        req.on('response', (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            if (kept < MAX_REPLY_BYTES) chunks.push(chunk);
            kept += chunk.length;
          });
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('the answer was cut off')));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            // A protobuf reply (OTLP) goes on a character a byte (see `readPartialSuccess`).
            const binary = String(res.headers['content-type'] ?? '').startsWith('application/x-protobuf');
            const text = Buffer.concat(chunks).toString(binary ? 'latin1' : 'utf8');
            if (status >= 200 && status < 300) return finish({ status: 'success', reply: text });
            const error = new Error(`HTTP ${status} from ${url}: ${text.slice(0, 500)}`);
            if (!isRetryableStatus(status)) return finish({ status: 'failure', error });
            const header = res.headers['retry-after'];
            const retryAfterMillis = parseRetryAfter(typeof header === 'string' ? header : null);
            finish(retryAfterMillis === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMillis });
          });
        });
        req.end(body);
      } catch (error) {
        fail(error);
      }
    });
  }

  /** Aborts the request in progress and closes the connection; later sends fail at once. */
  async shutdown(): Promise<void> {
    this.abort.abort();
    this.agent.destroy();
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
