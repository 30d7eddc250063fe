import { describe, expect, it } from 'vitest';
import { compilePolicy } from './redact.js';

describe('compilePolicy: the size of what it keeps', () => {
  it('sizes the map the redactor returned, as an upper bound, and gives up on a broken limit', () => {
    const redact = compilePolicy({ deny: ['secret'], redact: { email: 'hash' } });
    const ascii = redact({ amount: 120, country: 'FR', ok: true, none: null, secret: 'x', email: 'a@b.c' }, false)!;
    expect(ascii.bytes).toBe(Buffer.byteLength(JSON.stringify(ascii.values)));
    const other = redact({ score: 0.25, name: 'Zoë "z"', s: 'é'.repeat(10) }, true)!;
    expect(other.bytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(other.values)));
    expect(redact({ ['k'.repeat(300)]: 1 }, false)!.bytes).toBeUndefined();
    expect(redact(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`o${i}`, i])), true)!.bytes).toBeUndefined();
    expect(redact(undefined, false)).toBeUndefined();
  });

  it('answers each call on its own: an interleaved call does not change what an earlier one returned', () => {
    const redact = compilePolicy();
    const first = redact({ a: 1 }, false)!;
    const second = redact({ ['k'.repeat(300)]: 1 }, false)!;
    expect(first).toEqual({ values: { a: 1 }, bytes: Buffer.byteLength('{"a":1}') });
    expect(second.bytes).toBeUndefined();
  });
});
