import { describe, expect, it } from 'vitest';
import { decimalNanosBetween, formatDecimalNanos, formatUnixNanos, nanosBetween } from './unix-nanos.js';
import { random } from '../../../../../test/helpers/random.js';

const U64_MAX = 2n ** 64n - 1n;

/** The reference: BigInt division, no shortcuts. */
function reference(n: bigint): string {
  return `${n / 1_000_000_000n}.${(n % 1_000_000_000n).toString().padStart(9, '0')}`;
}

function halves(n: bigint): [number, number] {
  return [Number(n & 0xffffffffn), Number(n >> 32n)];
}

function randomU64(next: () => number): bigint {
  // Mix magnitudes: full 64-bit values, values around today, small values.
  const kind = Math.floor(next() * 3);
  const hi = BigInt(Math.floor(next() * 2 ** 32));
  const lo = BigInt(Math.floor(next() * 2 ** 32));
  if (kind === 0) return (hi << 32n) | lo;
  if (kind === 1) return 1_700_000_000_000_000_000n + (((hi << 32n) | lo) % 100_000_000_000_000_000n);
  return lo;
}

const EDGES = [
  0n,
  1n,
  999_999_999n,
  1_000_000_000n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  1_700_000_000_999_999_999n,
  1_700_000_001_000_000_000n,
  2n ** 63n,
  U64_MAX - 1n,
  U64_MAX,
];

describe('formatUnixNanos', () => {
  it('matches BigInt arithmetic on edge values and 20,000 random values', () => {
    const next = random(7);
    const values = [...EDGES, ...Array.from({ length: 20_000 }, () => randomU64(next))];
    for (const n of values) {
      const [lo, hi] = halves(n);
      expect(formatUnixNanos(lo, hi)).toBe(reference(n));
      expect(formatDecimalNanos(n.toString())).toBe(reference(n));
    }
  });

  it('writes nine fraction digits', () => {
    expect(formatUnixNanos(0, 0)).toBe('0.000000000');
    expect(formatUnixNanos(5, 0)).toBe('0.000000005');
    expect(formatDecimalNanos('5')).toBe('0.000000005');
    expect(formatDecimalNanos('1700000000000000000')).toBe('1700000000.000000000');
  });
});

describe('nanosBetween', () => {
  it('matches BigInt subtraction, and is "0" when the end is not after the start', () => {
    const next = random(11);
    const pairs: [bigint, bigint][] = EDGES.flatMap((a) => EDGES.map((b): [bigint, bigint] => [a, b]));
    for (let i = 0; i < 20_000; i++) pairs.push([randomU64(next), randomU64(next)]);
    for (const [start, end] of pairs) {
      const expected = end > start ? (end - start).toString() : '0';
      const [sLo, sHi] = halves(start);
      const [eLo, eHi] = halves(end);
      expect(nanosBetween(sLo, sHi, eLo, eHi)).toBe(expected);
      expect(decimalNanosBetween(start.toString(), end.toString())).toBe(expected);
    }
  });
});
