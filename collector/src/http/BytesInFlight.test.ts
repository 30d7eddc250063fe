import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BytesInFlight } from './BytesInFlight.js';

const req = () => ({}) as IncomingMessage;

describe('BytesInFlight', () => {
  it('admits while bodies and pending rows stay within the limit, refuses what would pass it', () => {
    let pending = 0;
    const f = new BytesInFlight(100, () => pending);
    const a = f.admit(req(), 60)!;
    expect(f.bytesInFlight()).toBe(60);
    expect(f.admit(req(), 41)).toBeUndefined();
    const b = f.admit(req(), 40)!;
    expect(f.bytesInFlight()).toBe(100);
    pending = 30;
    a.release();
    expect(f.bytesInFlight()).toBe(70);
    expect(f.admit(req(), 31)).toBeUndefined();
    b.release();
    b.release(); // a second release counts nothing
    expect(f.bytesInFlight()).toBe(30);
  });

  it('admits any body when nothing is in flight, so a body as large as the limit still goes in', () => {
    const f = new BytesInFlight(100, () => 0);
    const big = f.admit(req(), 500);
    expect(big?.bytes).toBe(500);
    expect(f.admit(req(), 1)).toBeUndefined();
  });

  it('grows a reservation (a chunked body, an inflated gzip body) until it is released, and finds it by request', () => {
    const f = new BytesInFlight(100, () => 0);
    const r = req();
    const res = f.admit(r, 0)!;
    expect(f.of(r)).toBe(res);
    res.grow(70);
    res.grow(-5);
    expect(f.reading).toBe(70);
    res.release();
    res.grow(10);
    expect(f.reading).toBe(0);
  });
});
