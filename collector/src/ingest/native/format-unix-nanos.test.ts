import { describe, expect, it } from 'vitest';
import { formatUnixNanos } from './format-unix-nanos.js';

describe('formatUnixNanos', () => {
  it('writes seconds with exactly nine fraction digits', () => {
    expect(formatUnixNanos(1_700_000_000_123_456_789n)).toBe('1700000000.123456789');
    expect(formatUnixNanos(1_700_000_000_000_000_000n)).toBe('1700000000.000000000');
    expect(formatUnixNanos(1_700_000_000_000_000_001n)).toBe('1700000000.000000001');
  });

  it('pads values below one second', () => {
    expect(formatUnixNanos(0n)).toBe('0.000000000');
    expect(formatUnixNanos(5n)).toBe('0.000000005');
    expect(formatUnixNanos(999_999_999n)).toBe('0.999999999');
    expect(formatUnixNanos(1_000_000_000n)).toBe('1.000000000');
  });

  it('is exact where a float would not be', () => {
    const max = 2n ** 63n - 1n;
    expect(formatUnixNanos(max)).toBe('9223372036.854775807');
    // Number(1700000000123456789n) / 1e9 would print 1700000000.1234567.
    expect(formatUnixNanos(1_700_000_000_123_456_789n)).not.toBe(String(Number(1_700_000_000_123_456_789n) / 1e9));
  });

  it('writes negative values as a negative decimal', () => {
    expect(formatUnixNanos(-1n)).toBe('-0.000000001');
    expect(formatUnixNanos(-1_500_000_000n)).toBe('-1.500000000');
  });
});
