import { RateLimitedError } from '../errors.js';
import type { KeyRateLimit, Principal } from './Principal.js';

interface Bucket {
  tokens: number;
  atMs: number;
}

/**
 * The per-key rate limit of records (`auth.rateLimit`, or a key's own): a token bucket per key
 * that fills at `recordsPerSecond` up to `burst`. A request of `n` records passes when the bucket
 * holds `min(n, burst)` and takes `n` (a request larger than the burst passes on a full bucket
 * and leaves it in debt), else it is refused whole with 429 and the seconds until it would pass.
 * Requests without a key (authentication off) are not limited; `recordsPerSecond` 0 means no limit.
 */
export class RateLimiter {
  readonly #defaults: KeyRateLimit;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  /** @param now milliseconds of a monotonic clock (injectable for tests) */
  constructor(defaults: KeyRateLimit, now: () => number = () => performance.now()) {
    this.#defaults = defaults;
    this.#now = now;
  }

  /**
   * Takes `records` from the bucket of `principal`'s key.
   * @throws RateLimitedError (429, Retry-After) when the bucket does not hold them
   */
  take(principal: Principal | null | undefined, records: number): void {
    if (!principal || records <= 0) return;
    const limit = principal.rateLimit ?? this.#defaults;
    const rate = limit.recordsPerSecond;
    if (!(rate > 0)) return;
    const burst = limit.burst > 0 ? limit.burst : rate;
    const now = this.#now();
    const b = this.#buckets.get(principal.keyId) ?? { tokens: burst, atMs: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.atMs) / 1000) * rate);
    b.atMs = now;
    this.#buckets.set(principal.keyId, b);
    const need = Math.min(records, burst);
    if (b.tokens < need) {
      const seconds = Math.max(1, Math.ceil((need - b.tokens) / rate));
      throw new RateLimitedError(
        `key ${principal.keyId} may send ${rate} records per second (burst ${burst}); this request of ${records} records was refused whole, nothing stored; retry after ${seconds} s`,
        seconds,
      );
    }
    b.tokens -= records;
  }
}
