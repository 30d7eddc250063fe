/**
 * Values as ClickHouse reads and writes them in JSON formats (JSONCompactEachRow in, JSON out).
 */

/**
 * Unix milliseconds as a `DateTime64(3)` JSON value: the integer tick count (`1795168800250`),
 * which ClickHouse reads as a Unix time scaled to the column's precision, for every time,
 * the epoch and before included. (A decimal-seconds string such as `"0.000"` or `"3600.000"`
 * is parsed as a date text instead, and fails below 9 digits of seconds, i.e. before 1973.)
 */
export function ms64(ms: number): number {
  return Math.round(ms);
}

/** A Float64 for JSON input: NaN and ±Infinity, which JSON cannot carry, as `"nan"`, `"inf"`, `"-inf"`. */
export function finite(x: number): number | string {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

/**
 * The SETTINGS clause that makes JSON output quote non-finite floats (`"inf"`, `"-inf"`, `"nan"`)
 * instead of writing `null`, which would read as 0; read them back with {@link fromJsonFloat}.
 */
export const QUOTE_NON_FINITE = ' SETTINGS output_format_json_quote_denormals = 1';

/** A Float64 from JSON output, quoted non-finite values included. */
export function fromJsonFloat(x: number | string): number {
  if (typeof x === 'number') return x;
  if (x === 'inf' || x === '+inf') return Infinity;
  if (x === '-inf') return -Infinity;
  return Number(x);
}
