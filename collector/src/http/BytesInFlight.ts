import type { IncomingMessage } from 'node:http';

/** Bytes one request holds in memory, counted in {@link BytesInFlight} until released. */
export interface Reservation {
  /** Bytes counted now. */
  readonly bytes: number;
  /**
   * Counts `bytes` more (a chunked body as it arrives, a gzip body once inflated).
   * @returns false when what is in flight now passes the limit and this request is not all of
   *   it: the caller refuses the request (503) and releases the reservation
   */
  grow(bytes: number): boolean;
  /** Stops counting this request's bytes; later calls do nothing. */
  release(): void;
}

/**
 * Admission control by bytes in flight: the bytes of request bodies being read and decoded,
 * plus the bytes of rows waiting for storage (`pendingBytes`), against one limit
 * (`limits.maxBytesInFlight`). A request is admitted before its body is read, on its declared
 * `Content-Length` (a chunked body counts as it arrives): when what is in flight plus that
 * length would pass the limit, it is refused (the caller answers 503 + Retry-After). Bytes that
 * arrive beyond the declared length (a chunked body, an inflated gzip body) are checked as they
 * are counted ({@link Reservation.grow}), and such a request is refused part-way. When
 * nothing is in flight, any request is admitted, so a body as large as the limit still goes in.
 * A request's bytes count from admission until its rows are handed to the batchers (which then
 * count them as pending) or it ends.
 *
 * @example
 * const inFlight = new BytesInFlight(256 * 1024 * 1024, () => pendingBytesOfAllBatchers());
 * const r = inFlight.admit(request.raw, Number(request.headers['content-length'] ?? 0));
 * if (!r) throw new SaturatedError('...');
 */
export class BytesInFlight {
  readonly limit: number;
  readonly #pendingBytes: () => number;
  #reading = 0;
  readonly #byRequest = new WeakMap<IncomingMessage, Reservation>();

  /**
   * @param limit bytes in flight above which requests are refused
   * @param pendingBytes bytes of rows waiting for storage, now
   */
  constructor(limit: number, pendingBytes: () => number) {
    this.limit = limit;
    this.#pendingBytes = pendingBytes;
  }

  /** Bytes of bodies being read or decoded. */
  get reading(): number {
    return this.#reading;
  }

  /** Bytes in flight now: bodies being read or decoded, plus rows waiting for storage. */
  bytesInFlight(): number {
    return this.#reading + this.#pendingBytes();
  }

  /** A reservation of `declared` bytes for `request`, or undefined when it would pass the limit. */
  admit(request: IncomingMessage, declared: number): Reservation | undefined {
    const now = this.bytesInFlight();
    if (now > 0 && now + declared > this.limit) return undefined;
    let held = 0;
    let released = false;
    const r: Reservation = {
      get bytes() {
        return held;
      },
      grow: (bytes: number) => {
        if (released) return true;
        if (bytes > 0) {
          held += bytes;
          this.#reading += bytes;
        }
        const now = this.bytesInFlight();
        return now <= this.limit || now === held;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#reading -= held;
        held = 0;
      },
    };
    r.grow(declared);
    this.#byRequest.set(request, r);
    return r;
  }

  /** The reservation of `request`, if it was admitted. */
  of(request: IncomingMessage): Reservation | undefined {
    return this.#byRequest.get(request);
  }
}
