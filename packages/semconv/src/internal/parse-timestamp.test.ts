import { describe, expect, it } from 'vitest';
import { FieldError } from './field-error.js';
import { parseTimestamp } from './parse-timestamp.js';

function errorOf(value: unknown): FieldError {
  try {
    parseTimestamp(value, 'timestamp');
  } catch (error) {
    if (error instanceof FieldError) return error;
    throw error;
  }
  throw new Error('expected a FieldError');
}

describe('parseTimestamp', () => {
  it('treats undefined and null as not given', () => {
    expect(parseTimestamp(undefined, 'timestamp')).toBeUndefined();
    expect(parseTimestamp(null, 'timestamp')).toBeUndefined();
  });

  it('reads epoch milliseconds exactly', () => {
    expect(parseTimestamp(1_700_000_000_123, 'timestamp')).toBe(1_700_000_000_123_000_000n);
    expect(parseTimestamp(0, 'timestamp')).toBe(0n);
  });

  it('keeps the sub-millisecond fraction of epoch milliseconds', () => {
    expect(parseTimestamp(1_700_000_000_123.5, 'timestamp')).toBe(1_700_000_000_123_500_000n);
    // 0.25 is exact in binary; the result must not drift by float rounding.
    expect(parseTimestamp(1.25, 'timestamp')).toBe(1_250_000n);
  });

  it('reads ISO-8601 with Z and nine fraction digits exactly', () => {
    expect(parseTimestamp('2023-11-14T22:13:20.123456789Z', 'timestamp')).toBe(
      1_700_000_000_123_456_789n,
    );
  });

  it('pads short fractions and truncates beyond nine digits', () => {
    expect(parseTimestamp('2023-11-14T22:13:20.1Z', 'timestamp')).toBe(1_700_000_000_100_000_000n);
    expect(parseTimestamp('2023-11-14T22:13:20.1234567891234Z', 'timestamp')).toBe(
      1_700_000_000_123_456_789n,
    );
    expect(parseTimestamp('2023-11-14T22:13:20Z', 'timestamp')).toBe(1_700_000_000_000_000_000n);
  });

  it('applies timezone offsets, with or without a colon', () => {
    const utc = 1_700_000_000_000_000_000n;
    expect(parseTimestamp('2023-11-15T00:13:20+02:00', 'timestamp')).toBe(utc);
    expect(parseTimestamp('2023-11-14T17:43:20-0430', 'timestamp')).toBe(utc);
    expect(parseTimestamp('2023-11-14 22:13:20z', 'timestamp')).toBe(utc);
    expect(parseTimestamp('2023-11-14t22:13:20,000Z', 'timestamp')).toBe(utc);
  });

  it('accepts 29 February only in leap years', () => {
    expect(parseTimestamp('2024-02-29T00:00:00Z', 'timestamp')).toBe(
      BigInt(Date.UTC(2024, 1, 29)) * 1_000_000n,
    );
    expect(errorOf('2023-02-29T00:00:00Z').message).toContain('a real date and time of day');
    expect(errorOf('1900-02-29T00:00:00Z').message).toContain('a real date and time of day');
  });

  it.each([
    '2024-13-01T00:00:00Z',
    '2024-00-01T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-04-00T00:00:00Z',
    '2024-04-01T24:00:00Z',
    '2024-04-01T00:60:00Z',
    '2024-04-01T00:00:60Z',
  ])('rejects the impossible date or time %s', (text) => {
    expect(errorOf(text).message).toContain('a real date and time of day');
  });

  it('rejects an invalid offset', () => {
    expect(errorOf('2024-04-01T00:00:00+24:00').message).toContain('a valid timezone offset');
    expect(errorOf('2024-04-01T00:00:00+01:60').message).toContain('a valid timezone offset');
  });

  it.each([
    '2024-04-01T00:00:00',
    '2024-04-01',
    '2024-04-01T00:00Z',
    '1700000000000',
    'yesterday',
    '',
    ' 2024-04-01T00:00:00Z',
  ])('rejects %j, which is not ISO-8601 with a timezone', (text) => {
    const error = errorOf(text);
    expect(error.field).toBe('timestamp');
    expect(error.message).toBe(
      `expected an ISO-8601 string with a timezone (e.g. "2024-05-01T12:00:00.000Z") or epoch milliseconds, got ${JSON.stringify(text)}`,
    );
  });

  it('rejects other types, NaN and infinities', () => {
    expect(errorOf(true).message).toMatch(/got true$/);
    expect(errorOf({}).message).toMatch(/got object$/);
    expect(errorOf(Number.NaN).message).toMatch(/got NaN$/);
    expect(errorOf(Infinity).message).toMatch(/got Infinity$/);
  });

  it('rejects times outside 1970-01-01 .. 2262-04-11', () => {
    const expected = 'expected a time between 1970-01-01 and 2262-04-11';
    expect(errorOf(-1).message).toBe(`${expected}, got -1`);
    expect(errorOf(9_223_372_036_855).message).toBe(`${expected}, got 9223372036855`);
    expect(errorOf('1969-12-31T23:59:59.999Z').message).toContain(expected);
    expect(errorOf('2262-04-12T00:00:00Z').message).toContain(expected);
    // Years below 100 must not be read as 19xx.
    expect(errorOf('0070-01-01T00:00:00Z').message).toContain(expected);
    expect(parseTimestamp('1970-01-01T01:00:00+01:00', 'timestamp')).toBe(0n);
    expect(parseTimestamp('2262-04-11T23:47:16.854775807Z', 'timestamp')).toBe(2n ** 63n - 1n);
    expect(errorOf('2262-04-11T23:47:16.854775808Z').message).toContain(expected);
  });
});
