import { setTimeout as sleep } from 'node:timers/promises';
import { failure, type ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import { backoffDelay, type BackoffOptions } from './retry.js';

/** The retry policy of `RetryingTransport`; see `HttpExporterOptions` for what each means. */
export interface RetryOptions extends BackoffOptions {
  /** Most attempts per body, the first included. */
  readonly maxAttempts: number;
}

/** Waits `millis` unless `signal` aborts first (then rejects); must not keep the process alive. */
export type Wait = (millis: number, signal: AbortSignal) => Promise<void>;

const unrefSleep: Wait = (millis, signal) => sleep(millis, undefined, { signal, ref: false });

/**
 * Sends again what its transport answers `retryable`: after the server's `Retry-After`, or else
 * an exponential backoff with jitter (`backoffDelay`), either capped by `maxBackoffMillis`; at
 * most `maxAttempts` attempts, all within the `timeoutMillis` given to `send` (a wait that would
 * end past it is not started). Its answer is `success` or `failure`, never `retryable`: the last
 * error, said to have run out of time when it did. `shutdown` aborts a wait at once.
 */
export class RetryingTransport<Body> implements ExportTransport<Body> {
  private readonly abort = new AbortController();

  /** @param wait how to wait between attempts (tests give their own) */
  constructor(
    private readonly transport: ExportTransport<Body>,
    private readonly options: RetryOptions,
    private readonly wait: Wait = unrefSleep,
  ) {}

  async send(body: Body, timeoutMillis: number): Promise<ExportResponse> {
    const deadline = Date.now() + timeoutMillis;
    for (let attempt = 1; ; attempt++) {
      const response = await this.transport.send(body, deadline - Date.now());
      if (response.status !== 'retryable') return response;
      if (this.abort.signal.aborted) return failure('export aborted by shutdown', response.error);
      if (attempt >= this.options.maxAttempts) return { status: 'failure', error: response.error };
      const wait = Math.min(this.options.maxBackoffMillis, response.retryAfterMillis ?? backoffDelay(attempt, this.options));
      if (Date.now() + wait >= deadline) return failure(`${response.error.message}; no time left to retry`, response.error);
      try {
        await this.wait(wait, this.abort.signal);
      } catch {
        return failure('export aborted by shutdown', response.error);
      }
    }
  }

  /** Aborts a wait in progress, and the transport's request. */
  async shutdown(): Promise<void> {
    this.abort.abort();
    await this.transport.shutdown();
  }
}
