/**
 * Values as ClickHouse writes them in its JSON output formats.
 */

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
