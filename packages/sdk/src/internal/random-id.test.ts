import { describe, expect, it } from 'vitest';
import { randomId, randomSpanId, RANDOM_ID_JSON_BYTES } from './random-id.js';

describe('randomId', () => {
  it('gives 32 lowercase hex digits, distinct across pool refills', () => {
    const ids = new Set<string>();
    // Several pools' worth (256 ids a pool), so that refills are crossed.
    for (let i = 0; i < 2000; i++) {
      const id = randomId();
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(2000);
    expect(JSON.stringify(randomId()).length).toBe(RANDOM_ID_JSON_BYTES);
  });
});

describe('randomSpanId', () => {
  it('gives 16 lowercase hex digits, interleaved with randomId across refills without short ids', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const span = randomSpanId();
      expect(span).toMatch(/^[0-9a-f]{16}$/);
      ids.add(span);
      if (i % 3 === 0) expect(randomId()).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(ids.size).toBe(3000);
  });
});

describe('randomId digits', () => {
  it('are the hex of the pool bytes, every digit value seen in every position', () => {
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 4000; i++) [...randomId()].forEach((c, at) => seen[at].add(c));
    for (const s of seen) expect([...s].sort().join('')).toBe('0123456789abcdef');
  });
});
