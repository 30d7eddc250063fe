import { randomFillSync } from 'node:crypto';

/** Random bytes drawn per refill of the pool: 256 prediction ids' worth. */
const POOL_BYTES = 4096;
const ID_BYTES = 16;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = pool.length;

/** The hex digit of each byte's high and low half, as character codes. */
const HI = new Uint16Array(256);
const LO = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  HI[i] = '0123456789abcdef'.charCodeAt(i >> 4);
  LO[i] = '0123456789abcdef'.charCodeAt(i & 15);
}

/** `n` bytes of the pool, refilled when it runs short; the offset of the first. */
function take(n: number): number {
  if (offset + n > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

/**
 * A prediction id: 128 random bits from the CSPRNG (`crypto.randomFillSync`), as 32 lowercase
 * hex digits, the form of an OpenTelemetry trace id. The random bytes are drawn 4 KiB at a time
 * and each used once; the digits are made with one `String.fromCharCode` from a table (about
 * 55 ns, against 90 ns for `buffer.toString('hex', …)` and more for `crypto.randomUUID()`, on
 * Node 20).
 */
export function randomId(): string {
  const o = take(ID_BYTES);
  const p = pool;
  return String.fromCharCode(
    HI[p[o]], LO[p[o]], HI[p[o + 1]], LO[p[o + 1]], HI[p[o + 2]], LO[p[o + 2]], HI[p[o + 3]], LO[p[o + 3]],
    HI[p[o + 4]], LO[p[o + 4]], HI[p[o + 5]], LO[p[o + 5]], HI[p[o + 6]], LO[p[o + 6]], HI[p[o + 7]], LO[p[o + 7]],
    HI[p[o + 8]], LO[p[o + 8]], HI[p[o + 9]], LO[p[o + 9]], HI[p[o + 10]], LO[p[o + 10]], HI[p[o + 11]], LO[p[o + 11]],
    HI[p[o + 12]], LO[p[o + 12]], HI[p[o + 13]], LO[p[o + 13]], HI[p[o + 14]], LO[p[o + 14]], HI[p[o + 15]], LO[p[o + 15]],
  );
}

/** 64 random bits as 16 lowercase hex digits, an OpenTelemetry span id, from the same pool. */
export function randomSpanId(): string {
  const o = take(8);
  const p = pool;
  return String.fromCharCode(
    HI[p[o]], LO[p[o]], HI[p[o + 1]], LO[p[o + 1]], HI[p[o + 2]], LO[p[o + 2]], HI[p[o + 3]], LO[p[o + 3]],
    HI[p[o + 4]], LO[p[o + 4]], HI[p[o + 5]], LO[p[o + 5]], HI[p[o + 6]], LO[p[o + 6]], HI[p[o + 7]], LO[p[o + 7]],
  );
}

/** The bytes of a `randomId()` in JSON: 32 hex digits and two quotes. */
export const RANDOM_ID_JSON_BYTES = 2 * ID_BYTES + 2;
