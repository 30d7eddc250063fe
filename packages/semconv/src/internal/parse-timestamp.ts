import { fail } from './field-error.js';

/** Largest Unix time in nanoseconds that fits a signed 64-bit integer (2262-04-11T23:47:16.854775807Z). */
const MAX_UNIX_NANO = 2n ** 63n - 1n;
const MAX_EPOCH_MS = Number(MAX_UNIX_NANO / 1_000_000n);

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const EXPECTED =
  'an ISO-8601 string with a timezone (e.g. "2024-05-01T12:00:00.000Z") or epoch milliseconds';
const EXPECTED_RANGE = 'a time between 1970-01-01 and 2262-04-11';

/**
 * Reads a record timestamp into Unix nanoseconds. `undefined` / `null` mean
 * "not given". Strings keep up to nine fraction digits exactly (more are
 * truncated); numbers are epoch milliseconds and may carry a fraction.
 */
export function parseTimestamp(value: unknown, field: string): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  let nanos: bigint;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(field, EXPECTED, value);
    if (value < 0 || value > MAX_EPOCH_MS) fail(field, EXPECTED_RANGE, value);
    if (Number.isInteger(value)) {
      nanos = BigInt(value) * 1_000_000n;
    } else {
      const wholeMs = Math.floor(value);
      nanos = BigInt(wholeMs) * 1_000_000n + BigInt(Math.round((value - wholeMs) * 1e6));
    }
  } else if (typeof value === 'string') {
    nanos = parseIso(value, field);
  } else {
    fail(field, EXPECTED, value);
  }
  if (nanos < 0n || nanos > MAX_UNIX_NANO) fail(field, EXPECTED_RANGE, value);
  return nanos;
}

function parseIso(text: string, field: string): bigint {
  const m = ISO_8601.exec(text);
  if (m === null) fail(field, EXPECTED, text);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const leapDay = month === 2 && day === 29 && !isLeapYear(year);
  if (
    month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]! || leapDay ||
    hour > 23 || minute > 59 || second > 59
  ) {
    fail(field, `${EXPECTED} (a real date and time of day)`, text);
  }
  // Before 1900 is out of range anyway, and Date.UTC maps years 0-99 to 1900-1999.
  if (year < 1900) fail(field, EXPECTED_RANGE, text);
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) fail(field, `${EXPECTED} (a valid timezone offset)`, text);
    offsetMinutes = (offsetHours * 60 + offsetMins) * (m[9] === '-' ? -1 : 1);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const fraction = m[7] === undefined ? 0n : BigInt(m[7].slice(0, 9).padEnd(9, '0'));
  return BigInt(ms) * 1_000_000n + fraction;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
