import { describe, expect, it } from 'vitest';
import { rng } from '../../../test/helpers/random.js';
import { EventTimeBounds, MAX_UNIX_NANOS } from './EventTimeBounds.js';

const NOW = 1_900_000_000_123_456_789n; // 2030-03-17T17:46:40.123456789Z: not tied to the calendar
const LIMITS = { maxEventAgeSeconds: 3600, maxEventAheadSeconds: 60 };
const halves = (ns: bigint): [number, number] => [Number(ns & 0xffffffffn), Number(ns >> 32n)];

describe('EventTimeBounds.around', () => {
  it('accepts from now - maxEventAgeSeconds to now + maxEventAheadSeconds, inclusive, in every form', () => {
    const b = EventTimeBounds.around(NOW, LIMITS);
    expect([b.minNs, b.maxNs]).toEqual([NOW - 3_600_000_000_000n, NOW + 60_000_000_000n]);
    const values = [0n, b.minNs - 1n, b.minNs, b.minNs + 1n, NOW, b.maxNs - 1n, b.maxNs, b.maxNs + 1n, MAX_UNIX_NANOS, MAX_UNIX_NANOS + 1n, 2n ** 64n - 1n];
    const { uniform } = rng(9);
    for (let i = 0; i < 5000; i++) values.push(b.minNs - 10_000_000_000n + BigInt(Math.floor(uniform() * 3_700_000_000)) * 1000n + BigInt(i % 1000));
    for (const ns of values) {
      const inside = ns >= b.minNs && ns <= b.maxNs;
      expect(b.contains(ns), String(ns)).toBe(inside);
      expect(b.containsHalves(...halves(ns)), String(ns)).toBe(inside);
      expect(b.containsDecimal(ns.toString()), String(ns)).toBe(inside);
    }
  });

  it('rounds the millisecond bounds inwards, so whole milliseconds within them are within the bounds', () => {
    const b = EventTimeBounds.around(NOW, LIMITS);
    expect(b.minMs).toBe(Number((NOW - 3_600_000_000_000n) / 1_000_000n) + 1);
    expect(b.maxMs).toBe(Number((NOW + 60_000_000_000n) / 1_000_000n));
    expect(b.contains(BigInt(b.minMs) * 1_000_000n)).toBe(true);
    expect(b.contains(BigInt(b.minMs - 1) * 1_000_000n)).toBe(false);
    expect(b.contains(BigInt(b.maxMs) * 1_000_000n)).toBe(true);
    expect(b.contains(BigInt(b.maxMs + 1) * 1_000_000n)).toBe(false);
  });

  it('never reaches before the epoch nor beyond 2^63 - 1 ns, whatever the limits', () => {
    const b = EventTimeBounds.around(NOW, { maxEventAgeSeconds: 9e15, maxEventAheadSeconds: 9e15 });
    expect([b.minNs, b.maxNs]).toEqual([0n, MAX_UNIX_NANOS]);
    expect(b.containsHalves(...halves(2n ** 63n))).toBe(false);
  });

  it('says which bound a time is outside of, with the key, its value and the limit as a time', () => {
    const b = EventTimeBounds.around(NOW, LIMITS);
    expect(b.problem(946_684_800_000_000_000n)).toBe(
      "2000-01-01T00:00:00.000Z is older than limits.maxEventAgeSeconds allows (3600 s before the collector's clock: 2030-03-17T16:46:40.123456789Z)",
    );
    expect(b.problem(0n)).toMatch(/^missing \(0\) is older than limits\.maxEventAgeSeconds allows/);
    expect(b.problemOfHalves(...halves(NOW + 60_000_000_001n))).toBe(
      "2030-03-17T17:47:40.123456790Z is further ahead than limits.maxEventAheadSeconds allows (60 s after the collector's clock: 2030-03-17T17:47:40.123456789Z)",
    );
    expect(b.problem(2n ** 64n - 1n)).toBe('18446744073709551615 ns is beyond the latest time the store holds (2^63 - 1 ns, 2262-04-11T23:47:16.854775807Z)');
  });
});

describe('EventTimeBounds.REPRESENTABLE', () => {
  it('is the store\'s range: the epoch to 2^63 - 1 ns', () => {
    const r = EventTimeBounds.REPRESENTABLE;
    expect([r.contains(0n), r.contains(MAX_UNIX_NANOS), r.contains(MAX_UNIX_NANOS + 1n)]).toEqual([true, true, false]);
    expect([r.minMs, r.maxMs]).toEqual([0, 9_223_372_036_854]);
    expect(r.containsDecimal('18446744073709551615')).toBe(false);
    expect(r.containsDecimal('9223372036854775807')).toBe(true);
  });
});
