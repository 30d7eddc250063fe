import { describe, expect, it } from 'vitest';
import { rng } from '../../../test/helpers/random.js';
import { dayOfDecimalSeconds, dayOfEpochMillis, dayOfUnixNanos, PartitionDays } from './PartitionDays.js';

const DAY_NS = 86_400_000_000_000n;
const halves = (ns: bigint): [number, number] => [Number(ns & 0xffffffffn), Number(ns >> 32n)];

describe('dayOfUnixNanos', () => {
  it('is floor(ns / day) exactly, one nanosecond either side of midnights and on random values up to 2^64', () => {
    const values: bigint[] = [0n, 1n, DAY_NS - 1n, DAY_NS, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
    for (const day of [1n, 19_700n, 20_429n, 106_751n, 213_503n]) values.push(day * DAY_NS - 1n, day * DAY_NS, day * DAY_NS + 1n);
    const { uniform } = rng(3);
    for (let i = 0; i < 20_000; i++) {
      const ns = (BigInt(Math.floor(uniform() * 2 ** 32)) << 32n) | BigInt(Math.floor(uniform() * 2 ** 32));
      values.push(ns, (ns / DAY_NS) * DAY_NS - (ns % 2n)); // and a midnight (or a nanosecond before it) near it
    }
    for (const ns of values) {
      if (ns < 0n) continue;
      expect(dayOfUnixNanos(...halves(ns)), String(ns)).toBe(Number(ns / DAY_NS));
    }
  });
});

describe('dayOfDecimalSeconds and dayOfEpochMillis', () => {
  it("read the UTC day of the store's DateTime64(9) form and of epoch milliseconds", () => {
    expect(dayOfDecimalSeconds('0.000000000')).toBe(0);
    expect(dayOfDecimalSeconds('86399.999999999')).toBe(0);
    expect(dayOfDecimalSeconds('86400.000000000')).toBe(1);
    expect(dayOfDecimalSeconds('1795168800.123456789')).toBe(20_777);
    expect(dayOfDecimalSeconds('9223372036.854775807')).toBe(106_751);
    expect(dayOfEpochMillis(86_399_999)).toBe(0);
    expect(dayOfEpochMillis(86_400_000)).toBe(1);
    expect(dayOfEpochMillis(1_795_168_800_123)).toBe(20_777);
  });
});

describe('PartitionDays', () => {
  it('holds each day once, in the order first added', () => {
    const days = new PartitionDays();
    for (const d of [5, 5, 5, 6, 5, 7, 7, 6]) days.add(d);
    expect(days.size).toBe(3);
    expect([...days]).toEqual([5, 6, 7]);
    expect([days.has(6), days.has(8)]).toEqual([true, false]);
  });
});
