import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../errors.js';
import type { Principal } from './Principal.js';
import { RateLimiter } from './RateLimiter.js';

const key = (keyId: string, rateLimit?: { recordsPerSecond: number; burst: number }): Principal => ({ keyId, project: 'acme', scopes: new Set(['ingest']), rateLimit });

/** The seconds of Retry-After `take` asks for, or undefined when it passes. */
function refusal(limiter: RateLimiter, p: Principal | null, n: number): number | undefined {
  try {
    limiter.take(p, n);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).statusCode).toBe(429);
    return (e as RateLimitedError).retryAfterSeconds;
  }
}

describe('RateLimiter', () => {
  it('lets a key send its burst, refuses beyond it with the seconds until it would pass, and refills at its rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ recordsPerSecond: 10, burst: 50 }, () => now);
    const a = key('a');
    expect(refusal(limiter, a, 50)).toBeUndefined();
    expect(refusal(limiter, a, 1)).toBe(1);
    expect(refusal(limiter, a, 30)).toBe(3);
    now = 2000; // 20 records back
    expect(refusal(limiter, a, 20)).toBeUndefined();
    expect(refusal(limiter, a, 5)).toBe(1);
    // Another key has its own bucket.
    expect(refusal(limiter, key('b'), 50)).toBeUndefined();
  });

  it("takes a request larger than the burst on a full bucket and leaves the key in debt", () => {
    let now = 0;
    const limiter = new RateLimiter({ recordsPerSecond: 10, burst: 20 }, () => now);
    const a = key('a');
    expect(refusal(limiter, a, 100)).toBeUndefined();
    now = 5000; // 50 back: still 30 in debt
    expect(refusal(limiter, a, 1)).toBe(4);
    now = 8100; // 1 in hand
    expect(refusal(limiter, a, 1)).toBeUndefined();
  });

  it("uses a key's own limit over the default; no limit without a key or with rate 0", () => {
    const now = 0;
    const limiter = new RateLimiter({ recordsPerSecond: 0, burst: 0 }, () => now);
    expect(refusal(limiter, key('free'), 1_000_000)).toBeUndefined();
    expect(refusal(limiter, null, 1_000_000)).toBeUndefined();
    const own = key('own', { recordsPerSecond: 2, burst: 4 });
    expect(refusal(limiter, own, 4)).toBeUndefined();
    expect(refusal(limiter, own, 3)).toBe(2);
  });
});
