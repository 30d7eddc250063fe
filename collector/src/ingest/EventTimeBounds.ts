/** Largest Unix nanosecond count the store holds: `DateTime64(9)` is a signed 64-bit count (2262-04-11T23:47:16.854775807Z). */
export const MAX_UNIX_NANOS = 2n ** 63n - 1n;

const NS_PER_MS = 1_000_000n;
const NS_PER_SECOND = 1_000_000_000n;
const TWO_32 = 2n ** 32n;

/** The configured bounds an {@link EventTimeBounds} enforces, in seconds around the collector's clock. */
export interface EventTimeLimits {
  /** How far before the clock an event time may be (`limits.maxEventAgeSeconds`). */
  maxEventAgeSeconds: number;
  /** How far after the clock an event time may be (`limits.maxEventAheadSeconds`). */
  maxEventAheadSeconds: number;
}

/**
 * The event times one request may carry: from `now - limits.maxEventAgeSeconds` to
 * `now + limits.maxEventAheadSeconds`, inclusive, and never beyond {@link MAX_UNIX_NANOS}.
 * A record with a time outside is rejected alone, with a message naming the bound: it would
 * land in a partition of its own (a backfill of years is hundreds of them) or in 1677 (a time
 * at or above 2^63 ns read as a signed count).
 *
 * "Now" is passed in (the request's receive time), so a test is not tied to the calendar.
 * The bounds are held in the forms each decoder reads times in (nanoseconds as a bigint,
 * 32-bit halves of a protobuf `fixed64`, decimal digits of OTLP/JSON, epoch milliseconds),
 * so each check is a comparison.
 *
 * @example
 * const bounds = EventTimeBounds.around(nowUnixNano(), config.limits);
 * if (!bounds.contains(ns)) reject('timestamp', bounds.problem(ns));
 */
export class EventTimeBounds {
  /** Only the store's range: from the epoch to {@link MAX_UNIX_NANOS}. What the decoders check when given no bounds. */
  static readonly REPRESENTABLE = new EventTimeBounds(0n, MAX_UNIX_NANOS, undefined);

  /** Earliest accepted time, Unix nanoseconds. */
  readonly minNs: bigint;
  /** Latest accepted time, Unix nanoseconds. */
  readonly maxNs: bigint;
  /** Whole epoch milliseconds `m` with `minMs <= m <= maxMs` (a fraction allowed) are within the bounds. */
  readonly minMs: number;
  /** See {@link minMs}. */
  readonly maxMs: number;
  /** {@link minNs} as unsigned 32-bit halves. */
  readonly minLo: number;
  /** See {@link minLo}. */
  readonly minHi: number;
  /** {@link maxNs} as unsigned 32-bit halves. */
  readonly maxLo: number;
  /** See {@link maxLo}. */
  readonly maxHi: number;
  readonly #minDigits: string;
  readonly #maxDigits: string;
  readonly #limits: EventTimeLimits | undefined;

  private constructor(minNs: bigint, maxNs: bigint, limits: EventTimeLimits | undefined) {
    this.minNs = minNs;
    this.maxNs = maxNs;
    // Rounded inwards: a time of whole milliseconds within them is within the bounds in nanoseconds.
    this.minMs = Number((minNs + NS_PER_MS - 1n) / NS_PER_MS);
    this.maxMs = Number(maxNs / NS_PER_MS);
    this.minLo = Number(minNs % TWO_32);
    this.minHi = Number(minNs / TWO_32);
    this.maxLo = Number(maxNs % TWO_32);
    this.maxHi = Number(maxNs / TWO_32);
    this.#minDigits = minNs.toString();
    this.#maxDigits = maxNs.toString();
    this.#limits = limits;
  }

  /**
   * The bounds of a request received at `nowNs`.
   * @param nowNs the collector's clock, Unix nanoseconds (the request's receive time)
   * @param limits seconds before and after `nowNs` that are accepted
   */
  static around(nowNs: bigint, limits: EventTimeLimits): EventTimeBounds {
    const min = nowNs - BigInt(limits.maxEventAgeSeconds) * NS_PER_SECOND;
    const max = nowNs + BigInt(limits.maxEventAheadSeconds) * NS_PER_SECOND;
    return new EventTimeBounds(min < 0n ? 0n : min, max > MAX_UNIX_NANOS ? MAX_UNIX_NANOS : max, {
      maxEventAgeSeconds: limits.maxEventAgeSeconds,
      maxEventAheadSeconds: limits.maxEventAheadSeconds,
    });
  }

  /** Whether Unix nanoseconds `ns` are within the bounds. */
  contains(ns: bigint): boolean {
    return ns >= this.minNs && ns <= this.maxNs;
  }

  /** Whether the unsigned 64-bit value of halves `lo`, `hi` (a protobuf `fixed64`) is within the bounds. */
  containsHalves(lo: number, hi: number): boolean {
    return (hi > this.minHi || (hi === this.minHi && lo >= this.minLo)) && (hi < this.maxHi || (hi === this.maxHi && lo <= this.maxLo));
  }

  /** Whether canonical decimal digits (no leading zeros) of Unix nanoseconds are within the bounds. */
  containsDecimal(digits: string): boolean {
    return compareDigits(digits, this.#minDigits) >= 0 && compareDigits(digits, this.#maxDigits) <= 0;
  }

  /**
   * Why `ns` is outside the bounds, to follow the field's name:
   * `2000-01-01T00:00:00.000Z is older than limits.maxEventAgeSeconds (31622400 s before the collector's clock, 2025-12-07T10:00:00.000Z) allows`.
   */
  problem(ns: bigint): string {
    const limits = this.#limits;
    if (ns > MAX_UNIX_NANOS) {
      return `${ns} ns is beyond the latest time the store holds (2^63 - 1 ns, ${isoOf(MAX_UNIX_NANOS)})`;
    }
    if (ns < this.minNs) {
      const at = ns === 0n ? 'missing (0)' : isoOf(ns);
      return limits === undefined
        ? `${at} is before the epoch`
        : `${at} is older than limits.maxEventAgeSeconds allows (${limits.maxEventAgeSeconds} s before the collector's clock: ${isoOf(this.minNs)})`;
    }
    if (ns > this.maxNs && limits !== undefined) {
      return `${isoOf(ns)} is further ahead than limits.maxEventAheadSeconds allows (${limits.maxEventAheadSeconds} s after the collector's clock: ${isoOf(this.maxNs)})`;
    }
    return `${isoOf(ns)} is within the bounds`;
  }

  /** {@link problem} of an unsigned 64-bit value given as 32-bit halves. */
  problemOfHalves(lo: number, hi: number): string {
    return this.problem(BigInt(hi) * TWO_32 + BigInt(lo));
  }
}

/** ISO-8601 of non-negative Unix nanoseconds: milliseconds, and nanoseconds when there are any. */
function isoOf(ns: bigint): string {
  const iso = new Date(Number(ns / NS_PER_MS)).toISOString();
  const sub = ns % NS_PER_MS;
  return sub === 0n ? iso : `${iso.slice(0, -1)}${sub.toString().padStart(6, '0')}Z`;
}

/** Compares two canonical non-negative decimal integers. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
