import { describe, expect, it } from 'vitest';
import type { ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import { RetryingTransport, type Wait } from './RetryingTransport.js';

/** A transport answering `responses` in turn (the last one again once they run out); keeps each send's time limit. */
function scripted(...responses: ExportResponse[]): ExportTransport<string> & { limits: number[]; stopped: boolean } {
  return {
    limits: [],
    stopped: false,
    async send(_body, timeoutMillis) {
      this.limits.push(timeoutMillis);
      return responses.length > 1 ? responses.shift()! : responses[0];
    },
    async shutdown() {
      this.stopped = true;
    },
  };
}

/** Records the waits asked for and returns at once. */
function recordedWaits(): Wait & { waits: number[] } {
  const waits: number[] = [];
  return Object.assign(async (millis: number) => void waits.push(millis), { waits });
}

const busy = (retryAfterMillis?: number): ExportResponse =>
  retryAfterMillis === undefined ? { status: 'retryable', error: new Error('HTTP 503') } : { status: 'retryable', error: new Error('HTTP 503'), retryAfterMillis };
const ok: ExportResponse = { status: 'success', reply: '{}' };
const policy = { maxAttempts: 5, initialBackoffMillis: 100, maxBackoffMillis: 5000 };
const messageOf = (r: ExportResponse) => (r.status === 'success' ? undefined : r.error.message);

describe('RetryingTransport', () => {
  it("waits what the server's Retry-After says, capped by maxBackoffMillis", async () => {
    const inner = scripted(busy(1234), busy(60_000), ok);
    const wait = recordedWaits();
    const r = await new RetryingTransport(inner, policy, wait).send('x', 120_000);
    expect(r).toEqual(ok);
    expect(wait.waits).toEqual([1234, 5000]);
    expect(inner.limits).toHaveLength(3);
  });

  it('backs off exponentially with jitter without Retry-After', async () => {
    const inner = scripted(busy(), busy(), busy(), ok);
    const wait = recordedWaits();
    expect(await new RetryingTransport(inner, policy, wait).send('x', 120_000)).toEqual(ok);
    expect(wait.waits).toHaveLength(3);
    [100, 200, 400].forEach((base, i) => {
      expect(wait.waits[i]).toBeGreaterThanOrEqual(base / 2);
      expect(wait.waits[i]).toBeLessThanOrEqual(base);
    });
  });

  it('gives up after maxAttempts with the last error', async () => {
    const inner = scripted(busy());
    const wait = recordedWaits();
    const r = await new RetryingTransport(inner, { ...policy, maxAttempts: 3 }, wait).send('x', 120_000);
    expect(r.status).toBe('failure');
    expect(messageOf(r)).toBe('HTTP 503');
    expect(inner.limits).toHaveLength(3);
    expect(wait.waits).toHaveLength(2);
  });

  it('does not start a wait that would end past the time limit, and passes each attempt what is left', async () => {
    const inner = scripted(busy(100), busy(2000), ok);
    const wait = recordedWaits();
    const r = await new RetryingTransport(inner, policy, wait).send('x', 1000);
    expect(r.status).toBe('failure');
    expect(messageOf(r)).toBe('HTTP 503; no time left to retry');
    expect(wait.waits).toEqual([100]);
    expect(inner.limits).toHaveLength(2);
    expect(inner.limits[0]).toBeLessThanOrEqual(1000);
    expect(inner.limits[1]).toBeLessThanOrEqual(inner.limits[0]);
  });

  it('returns a failure or a success at once, without retrying', async () => {
    const refused: ExportResponse = { status: 'failure', error: new Error('HTTP 400') };
    for (const answer of [refused, ok]) {
      const inner = scripted(answer);
      const wait = recordedWaits();
      expect(await new RetryingTransport(inner, policy, wait).send('x', 1000)).toEqual(answer);
      expect(inner.limits).toHaveLength(1);
      expect(wait.waits).toEqual([]);
    }
  });

  it('shutdown aborts a wait at once (real timers) and shuts its transport down', async () => {
    const inner = scripted(busy(60_000));
    const t = new RetryingTransport(inner, { ...policy, maxBackoffMillis: 60_000 });
    const pending = t.send('x', 120_000);
    const deadline = Date.now() + 5000;
    while (inner.limits.length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    const started = performance.now();
    await t.shutdown();
    const r = await pending;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(messageOf(r)).toBe('export aborted by shutdown');
    expect(inner.stopped).toBe(true);
    expect(inner.limits).toHaveLength(1);
  });
});
