import { describe, expect, it } from 'vitest';
import { DrainRate, FRESH_MS, MIN_BODY_RATE, MIN_BUSY_MS } from './DrainRate.js';

/** A clock the test moves. */
function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('DrainRate', () => {
  it('knows no rate before requests were served for a while', () => {
    const c = clock();
    const d = new DrainRate(10_000, c.now);
    expect(d.rate()).toBeUndefined();
    expect(d.expectedWaitMs(1_000)).toBeUndefined();
    const t = d.enter(1_000);
    t.received();
    c.advance(MIN_BUSY_MS / 2);
    t.leave();
    expect(d.rate()).toBeUndefined();
  });

  it('measures bytes answered per busy second and predicts the wait of the bytes queued plus a new request', () => {
    const c = clock();
    const d = new DrainRate(10_000, c.now);
    // Four requests of 1 MB answered one after the other, 500 ms each: 2 MB/s.
    for (let i = 0; i < 4; i++) {
      const t = d.enter(1_000_000);
      t.received();
      c.advance(500);
      t.leave();
    }
    expect(d.rate()).toBeCloseTo(2_000_000, -3);
    // Idle time does not lower it.
    c.advance(60_000);
    expect(d.rate()).toBeCloseTo(2_000_000, -3);
    // Three admitted, one more of 1 MB: 4 MB at 2 MB/s.
    const queued = [d.enter(1_000_000), d.enter(1_000_000), d.enter(1_000_000)];
    expect(d.queued).toBe(3_000_000);
    expect(d.expectedWaitMs(1_000_000)).toBeCloseTo(2_000, -1);
    for (const t of queued) t.leave();
    expect(d.queued).toBe(0);
  });

  it('does not count a client slow to send its body as the collector being slow', () => {
    const c = clock();
    const d = new DrainRate(10_000, c.now);
    const fast = d.enter(1_000_000);
    fast.received();
    c.advance(500);
    fast.leave();
    const before = d.rate()!;
    // A body that takes 20 s to arrive and is then cut off (408): neither busy time nor bytes
    // served, and in the queue for its first second only.
    let arrived = 0;
    const slow = d.enter(1_000, () => arrived);
    expect(d.queued).toBe(1_000);
    c.advance(FRESH_MS + 1);
    arrived = 1;
    expect(d.queued).toBe(0);
    // A large body arriving at a good pace, however long it takes, counts.
    let big = 0;
    const fastBody = d.enter(10_000_000, () => big);
    c.advance(5_000);
    big = 5 * MIN_BODY_RATE;
    expect(d.queued).toBe(10_000_000);
    fastBody.leave();
    c.advance(20_000);
    slow.leave();
    expect(d.rate()).toBeCloseTo(before, 3);
    expect(d.queued).toBe(0);
  });

  it('follows a slower rate within a few half-lives, and counts a chunked body by the bytes that arrived', () => {
    const c = clock();
    const d = new DrainRate(1_000, c.now);
    for (let i = 0; i < 10; i++) {
      const t = d.enter(1_000_000);
      t.received();
      c.advance(100); // 10 MB/s
      t.leave();
    }
    for (let i = 0; i < 10; i++) {
      const t = d.enter(0);
      t.received(1_000_000);
      expect(d.queued).toBe(1_000_000);
      c.advance(1_000); // 1 MB/s
      t.leave();
      t.leave(); // a second leave counts nothing
    }
    expect(d.queued).toBe(0);
    expect(d.rate()! / 1_000_000).toBeCloseTo(1, 1);
  });
});
