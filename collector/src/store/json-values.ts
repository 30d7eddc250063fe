/**
 * Values as ClickHouse reads and writes them in JSON formats (JSONCompactEachRow in, JSON out).
 */

/** Unix milliseconds as a `DateTime64(3)` JSON value: decimal seconds, `"1795168800.250"`. */
export function ms64(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${s}.${String(ms - s * 1000).padStart(3, '0')}`;
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
