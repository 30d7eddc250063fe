/**
 * Exact conversions of OTLP `fixed64` Unix nanosecond timestamps to the
 * store's `DateTime64(9)` form (`DateTime64Nanos` in store/schema/column-types.ts): decimal Unix seconds with nine fraction digits
 * (`"1700000000.123456789"`). Nothing goes through a float: a timestamp of today
 * (about 1.7e18 ns) is far beyond `Number.MAX_SAFE_INTEGER`.
 */

const TWO_POW_32 = 4294967296;
const NANOS_PER_SECOND = 1_000_000_000;
const ZEROS = '000000000';

function pad9(n: number): string {
  const s = String(n);
  return ZEROS.slice(s.length) + s;
}

/**
 * Formats a `fixed64` nanosecond count given as its low and high 32-bit halves.
 *
 * Long division by 1e9 in 16-bit limbs: every intermediate stays below 2^53,
 * and the quotient (at most about 1.8e10 seconds) is an exact integer.
 */
export function formatUnixNanos(lo: number, hi: number): string {
  let rem = hi >>> 16;
  let q = 0;
  let part = 0;
  // The top limb alone is below 1e9, so its quotient is 0 and it is all remainder.
  rem = rem * 65536 + (hi & 0xffff);
  part = Math.floor(rem / NANOS_PER_SECOND);
  rem -= part * NANOS_PER_SECOND;
  q = part;
  rem = rem * 65536 + (lo >>> 16);
  part = Math.floor(rem / NANOS_PER_SECOND);
  rem -= part * NANOS_PER_SECOND;
  q = q * 65536 + part;
  rem = rem * 65536 + (lo & 0xffff);
  part = Math.floor(rem / NANOS_PER_SECOND);
  rem -= part * NANOS_PER_SECOND;
  q = q * 65536 + part;
  return `${q}.${pad9(rem)}`;
}

/**
 * `end - start` in nanoseconds as a decimal string, `"0"` when the end is not
 * after the start. Arguments are the 32-bit halves of two `fixed64` values.
 */
export function nanosBetween(startLo: number, startHi: number, endLo: number, endHi: number): string {
  halvesBetween(startLo, startHi, endLo, endHi);
  const { lo, hi } = between;
  if (hi < 0x200000) return String(hi * TWO_POW_32 + lo);
  return ((BigInt(hi) << 32n) + BigInt(lo)).toString();
}

/** The 32-bit halves `halvesBetween` computed last. */
export const between = { lo: 0, hi: 0 };

/**
 * `end - start` (0 when the end is not after the start) as unsigned 32-bit halves, into
 * `between`. Arguments are the 32-bit halves of two `fixed64` values.
 */
export function halvesBetween(startLo: number, startHi: number, endLo: number, endHi: number): void {
  if (endHi < startHi || (endHi === startHi && endLo <= startLo)) {
    between.lo = between.hi = 0;
    return;
  }
  let lo = endLo - startLo;
  let hi = endHi - startHi;
  if (lo < 0) {
    lo += TWO_POW_32;
    hi -= 1;
  }
  between.lo = lo;
  between.hi = hi;
}

/**
 * Formats a nanosecond count given as a canonical decimal string (digits only,
 * no leading zeros except `"0"`).
 */
export function formatDecimalNanos(digits: string): string {
  if (digits.length <= 9) return `0.${ZEROS.slice(digits.length)}${digits}`;
  return `${digits.slice(0, -9)}.${digits.slice(-9)}`;
}

/** `end - start` for two canonical decimal nanosecond strings, `"0"` when the end is not after the start. */
export function decimalNanosBetween(start: string, end: string): string {
  if (start.length <= 15 && end.length <= 15) {
    const d = Number(end) - Number(start);
    return d > 0 ? String(d) : '0';
  }
  const d = BigInt(end) - BigInt(start);
  return d > 0n ? d.toString() : '0';
}
