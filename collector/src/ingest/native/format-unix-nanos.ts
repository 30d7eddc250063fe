/**
 * Formats Unix nanoseconds as decimal Unix seconds with exactly nine fraction
 * digits (`1700000000123456789n` → `"1700000000.123456789"`), the form the
 * store uses for `DateTime64(9)` columns. Pure integer and string arithmetic,
 * so no precision is lost to floating point.
 *
 * @param unixNano nanoseconds since the Unix epoch; negative values give a negative decimal
 */
export function formatUnixNanos(unixNano: bigint): string {
  const negative = unixNano < 0n;
  const digits = (negative ? -unixNano : unixNano).toString().padStart(10, '0');
  const cut = digits.length - 9;
  return `${negative ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}
