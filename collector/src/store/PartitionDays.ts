/**
 * The partitions a chunk of rows touches in the tables partitioned by day (`predictions`,
 * `otel_traces`, `otel_logs`: `PARTITION BY toDate(...)`), as UTC day numbers (days since
 * 1970-01-01). Producers add each row's day as they write it; most requests hold one or two
 * days, so {@link add} costs a comparison per row and a set insertion per change of day.
 *
 * The engine's `toDate` uses its own time zone: a UTC day meets at most two of its days, so
 * `n` UTC days are at most `2n` partitions (see `InsertBatcher`).
 */
export class PartitionDays implements Iterable<number> {
  readonly #days = new Set<number>();
  #last = Number.NaN;

  /** Adds a day number. */
  add(day: number): void {
    if (day === this.#last) return;
    this.#last = day;
    this.#days.add(day);
  }

  /** Distinct days added. */
  get size(): number {
    return this.#days.size;
  }

  /** Whether `day` was added. */
  has(day: number): boolean {
    return this.#days.has(day);
  }

  [Symbol.iterator](): Iterator<number> {
    return this.#days.values();
  }
}

const DAY_MS = 86_400_000;
const DAY_SECONDS = 86_400;
const DAY_NS = 86_400_000_000_000;
const TWO_32 = 4_294_967_296;

/**
 * The UTC day of a Unix nanosecond count given as its unsigned 32-bit halves (a protobuf
 * `fixed64`, the RowBinary `DateTime64(9)`), exactly: the double quotient is off by one at
 * most within a few hundred nanoseconds of midnight, and the remainder, exact in doubles
 * (every term is a multiple of 2^16 below 2^53 or an integer below 2^32), corrects it.
 */
export function dayOfUnixNanos(lo: number, hi: number): number {
  const day = Math.floor((hi * TWO_32 + lo) / DAY_NS);
  const rest = hi * TWO_32 - day * DAY_NS + lo;
  return rest < 0 ? day - 1 : rest >= DAY_NS ? day + 1 : day;
}

/** The UTC day of a time in the store's `DateTime64(9)` form (`DateTime64Nanos`): decimal Unix seconds with a fraction (`"1700000000.123456789"`). */
export function dayOfDecimalSeconds(time: string): number {
  const dot = time.indexOf('.');
  return Math.floor(Number(dot < 0 ? time : time.slice(0, dot)) / DAY_SECONDS);
}

/** The UTC day of whole epoch milliseconds. */
export function dayOfEpochMillis(ms: number): number {
  return Math.floor(ms / DAY_MS);
}
