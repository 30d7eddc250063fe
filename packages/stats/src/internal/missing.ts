/** A value that counts as missing: `null`, `undefined`, `NaN` (and ±Infinity for numbers). */
export function isMissingNumber(value: unknown): boolean {
  return typeof value !== 'number' || !Number.isFinite(value);
}

export function isMissingValue(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}
