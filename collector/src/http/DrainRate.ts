/**
 * How fast the collector answers the ingestion bodies it admitted, and how long a new one would
 * wait: admission by expected wait (`limits.maxQueueWaitMs`).
 *
 * The queue is the bytes of the admitted requests not answered yet: bodies being decoded or whose
 * rows wait for storage, and bodies still arriving unless they arrive slowly (see {@link queued}). The drain rate is the bytes of requests answered per
 * second of *busy* time, exponentially weighted (half-life {@link DRAIN_HALF_LIFE_MS} of busy
 * time): busy while a request whose body has fully arrived is in the queue, so idle periods and
 * clients that are slow to send their bodies do not lower it. A request of `bytes` bytes arriving
 * now would wait about `(queued + bytes) / rate` for its answer.
 *
 * Until something was measured, {@link expectedWaitMs} says nothing (undefined): only the limit
 * in bytes applies then.
 *
 * @example
 * const drain = new DrainRate();
 * const ticket = drain.enter(contentLength); // admitted
 * ticket.received();                         // its body has arrived
 * ticket.leave();                            // answered
 * drain.expectedWaitMs(nextLength);          // ms, or undefined before the first measurement
 */
export class DrainRate {
  readonly #now: () => number;
  readonly #halfLifeMs: number;
  /** Bytes of admitted requests whose body has arrived, not answered yet. */
  #receivedBytes = 0;
  /** Admitted requests whose body is still arriving. */
  readonly #reading = new Set<Entry>();
  /** Admitted requests whose body has arrived, not answered yet (busy while > 0). */
  #received = 0;
  /** Weighted bytes answered, and weighted busy milliseconds they took. */
  #bytes = 0;
  #busyMs = 0;
  #last: number;

  /**
   * @param halfLifeMs busy time after which a measurement weighs half
   * @param now monotonic clock in ms
   */
  constructor(halfLifeMs = DRAIN_HALF_LIFE_MS, now: () => number = () => performance.now()) {
    this.#halfLifeMs = halfLifeMs;
    this.#now = now;
    this.#last = now();
  }

  /**
   * Bytes waiting for their answers: bodies that have arrived, plus the declared bytes of bodies
   * still arriving, during their first {@link FRESH_MS} and then while they arrive at
   * {@link MIN_BODY_RATE} bytes per second or faster on average. A body that arrives slower is
   * the client's pace, not work for the collector (`limits.maxBytesInFlight` and
   * `limits.requestTimeoutMs` bound it), and counts again once it has arrived.
   */
  get queued(): number {
    const now = this.#now();
    let reading = 0;
    for (const e of this.#reading) {
      const age = now - e.at;
      if (age < FRESH_MS || (e.arrived() * 1000) / age >= MIN_BODY_RATE) reading += e.bytes;
    }
    return this.#receivedBytes + reading;
  }

  /** Bytes answered per busy second, or undefined before {@link MIN_BUSY_MS} of busy time were measured. */
  rate(): number | undefined {
    this.#advance();
    if (this.#busyMs < MIN_BUSY_MS || this.#bytes <= 0) return undefined;
    return (this.#bytes * 1000) / this.#busyMs;
  }

  /** Milliseconds a request of `bytes` bytes admitted now would wait for its answer; undefined while the rate is unknown. */
  expectedWaitMs(bytes: number): number | undefined {
    const rate = this.rate();
    return rate === undefined ? undefined : ((this.queued + bytes) * 1000) / rate;
  }

  /**
   * Counts an admitted request of `bytes` declared bytes in the queue until its ticket leaves.
   * @param arrived bytes of its body arrived so far (while it is still arriving)
   */
  enter(bytes: number, arrived: () => number = () => bytes): DrainTicket {
    this.#advance();
    const entry: Entry = { state: 'reading', bytes, at: this.#now(), arrived };
    this.#reading.add(entry);
    return {
      received: (actual?: number) => {
        if (entry.state !== 'reading') return;
        this.#advance();
        this.#reading.delete(entry);
        entry.state = 'received';
        if (actual !== undefined && actual >= 0) entry.bytes = actual;
        this.#received++;
        this.#receivedBytes += entry.bytes;
      },
      leave: (served = true) => {
        if (entry.state === 'left') return;
        this.#advance();
        this.#reading.delete(entry);
        if (entry.state === 'received') {
          this.#received--;
          this.#receivedBytes -= entry.bytes;
          // Only requests that were served count toward the rate: not those cut off while sending,
          // nor those refused after their body arrived (their time was spent, their bytes not drained).
          if (served) this.#bytes += entry.bytes;
        }
        entry.state = 'left';
      },
    };
  }

  /** Decays the weights by the busy time since the last call, and counts it. */
  #advance(): void {
    const t = this.#now();
    const dt = t - this.#last;
    this.#last = t;
    if (this.#received <= 0 || dt <= 0) return;
    const keep = Math.pow(0.5, dt / this.#halfLifeMs);
    this.#bytes *= keep;
    this.#busyMs = this.#busyMs * keep + dt;
  }
}

interface Entry {
  state: 'reading' | 'received' | 'left';
  bytes: number;
  /** When it was admitted. */
  at: number;
  /** Bytes of its body arrived so far. */
  arrived: () => number;
}

/** One admitted request in a {@link DrainRate}'s queue. Both calls are idempotent. */
export interface DrainTicket {
  /** Its body has fully arrived (`actual` bytes, when they differ from the declared ones: a chunked body): the collector is busy with it from now on. */
  received(actual?: number): void;
  /**
   * It was answered (or its connection closed): it leaves the queue.
   * @param served false when it was refused after its body arrived (a 5xx): its time counts as busy, its bytes do not count as drained
   */
  leave(served?: boolean): void;
}

/** Busy time after which a measurement weighs half. */
export const DRAIN_HALF_LIFE_MS = 10_000;

/** How long a body still arriving counts in the queue at its declared size whatever its pace, in ms. */
export const FRESH_MS = 1_000;

/** Average pace (bytes per second) at or above which a body still arriving counts in the queue after {@link FRESH_MS}. */
export const MIN_BODY_RATE = 64 * 1024;

/** Busy time measured before the rate is trusted. */
export const MIN_BUSY_MS = 200;
