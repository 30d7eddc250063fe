import protobuf from 'protobufjs/minimal.js';
import type { Reader } from 'protobufjs/minimal.js';
import { OtlpDecodeError } from '../otlp-decode-error.js';
import { utf8Text } from '../../utf8-text.js';

/**
 * Wire-format helpers on top of protobufjs's `Reader`. The decoders read each
 * message as `while (r.pos < end) switch (tag)`; every length-delimited read is
 * checked against the end of the enclosing message (not only the end of the
 * body), and `checkEnd` catches fixed-size and varint fields that overrun it,
 * so a malformed body always ends in an `OtlpDecodeError`, never in a read past
 * a message boundary or a loop that does not advance.
 */

/**
 * A protobufjs reader whose buffer is a Node `Buffer`, so strings, hex and
 * base64 are sliced natively. `utf8Slice` is the binding behind
 * `Buffer#toString('utf8', start, end)` without its argument handling (a
 * measurable share of decode time); protobufjs's own `BufferReader` uses it too.
 */
export type WireReader = Reader & { buf: Buffer & { utf8Slice?: (start: number, end: number) => string } };

/** Wraps the body without copying it. */
export function createWireReader(body: Uint8Array): WireReader {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return protobuf.Reader.create(buf) as WireReader;
}

function lengthError(start: number, length: number, limit: number, total: number): OtlpDecodeError {
  if (limit >= total) {
    return new OtlpDecodeError(
      `protobuf: truncated field at byte ${start}: length ${length} exceeds the ${Math.max(total - start, 0)} bytes left`,
    );
  }
  return new OtlpDecodeError(
    `protobuf: field at byte ${start} (length ${length}) runs past the end of its enclosing message at byte ${limit}`,
  );
}

/**
 * Reads a length prefix and returns where the value ends.
 * @param limit End of the enclosing message.
 */
export function subEnd(r: WireReader, limit: number): number {
  const length = r.uint32();
  const end = r.pos + length;
  if (end > limit) throw lengthError(r.pos, length, limit, r.len);
  return end;
}

/** Reads a length-delimited UTF-8 string (ill-formed sequences become U+FFFD: see utf8-text.ts). */
export function readString(r: WireReader, limit: number): string {
  const end = subEnd(r, limit);
  const from = r.pos;
  r.pos = end;
  return end === from ? '' : utf8Text(r.buf, from, end);
}

/**
 * The bytes `buf[from, to)` decoded as UTF-8, as `readString` reads a field (ill-formed sequences
 * become U+FFFD): the collector's one decoder, so both span paths write the same bytes.
 */
export { utf8Text };

/** Reads a length-delimited `bytes` field as lowercase hex. */
export function readHex(r: WireReader, limit: number): string {
  const end = subEnd(r, limit);
  const from = r.pos;
  r.pos = end;
  return end === from ? '' : r.buf.toString('hex', from, end);
}

/** Reads a length-delimited `bytes` field as standard base64. */
export function readBase64(r: WireReader, limit: number): string {
  const end = subEnd(r, limit);
  const from = r.pos;
  r.pos = end;
  return end === from ? '' : r.buf.toString('base64', from, end);
}

/** Low and high 32 bits of the last varint read by `readVarint64`. */
export const varint64 = { lo: 0, hi: 0 };

/** Reads a varint of up to 64 bits into `varint64.lo` / `varint64.hi` (unsigned 32-bit halves). */
export function readVarint64(r: WireReader): void {
  const buf = r.buf;
  const len = r.len;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  let b = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= len) throw truncatedAt(pos, len);
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return done(r, pos, lo, hi);
  }
  if (pos >= len) throw truncatedAt(pos, len);
  b = buf[pos++]!;
  lo |= (b & 0x7f) << 28;
  hi = (b & 0x7f) >>> 4;
  if (b < 0x80) return done(r, pos, lo, hi);
  // Bytes 6 to 10 fill bits 35 to 63 (`<<` drops what lies beyond bit 31 of `hi`).
  for (let shift = 3; shift < 32; shift += 7) {
    if (pos >= len) throw truncatedAt(pos, len);
    b = buf[pos++]!;
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) return done(r, pos, lo, hi);
  }
  throw new OtlpDecodeError(`protobuf: varint longer than 10 bytes at byte ${r.pos}`);
}

function done(r: WireReader, pos: number, lo: number, hi: number): void {
  r.pos = pos;
  varint64.lo = lo >>> 0;
  varint64.hi = hi >>> 0;
}

function truncatedAt(pos: number, len: number): OtlpDecodeError {
  return new OtlpDecodeError(`protobuf: truncated field at byte ${pos}: the body ends at byte ${len}`);
}

/**
 * Reads an `int64` varint: a number when it is a safe integer, otherwise its
 * exact decimal string.
 */
export function readInt64(r: WireReader): number | string {
  readVarint64(r);
  const { lo, hi } = varint64;
  // Exact whenever the result is a safe integer; beyond, the BigInt path gives the exact digits.
  const value = (hi | 0) * 4294967296 + lo;
  if (Number.isSafeInteger(value)) return value;
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** Reads a `bool` varint (any non-zero value is true). */
export function readBool(r: WireReader): boolean {
  readVarint64(r);
  return (varint64.lo | varint64.hi) !== 0;
}

/** Skips a field this decoder does not use (unknown fields, known fields with an unexpected wire type). */
export function skipField(r: WireReader, tag: number, limit: number): void {
  if (tag >>> 3 === 0) throw new OtlpDecodeError(`protobuf: invalid field number 0 at byte ${r.pos - 1}`);
  const wireType = tag & 7;
  switch (wireType) {
    case 0:
      r.skip();
      return;
    case 1:
      if (r.pos + 8 > limit) throw lengthError(r.pos, 8, limit, r.len);
      r.pos += 8;
      return;
    case 2:
      r.pos = subEnd(r, limit);
      return;
    case 3:
      // Deprecated groups: protobufjs skips them (with its own nesting limit); checkEnd catches overruns.
      r.skipType(3);
      return;
    case 5:
      if (r.pos + 4 > limit) throw lengthError(r.pos, 4, limit, r.len);
      r.pos += 4;
      return;
    default:
      throw new OtlpDecodeError(`protobuf: invalid wire type ${wireType} for field ${tag >>> 3} at byte ${r.pos}`);
  }
}

/** Throws when the last field of a message ran past the message's end. */
export function checkEnd(r: WireReader, end: number): void {
  if (r.pos !== end) {
    throw new OtlpDecodeError(`protobuf: a field ending at byte ${r.pos} runs past the end of its enclosing message at byte ${end}`);
  }
}

/**
 * Turns what a malformed body makes the reader throw into an `OtlpDecodeError`
 * that says where. Anything else (a bug, not bad input) is returned unchanged.
 */
export function toDecodeError(err: unknown, r: WireReader): unknown {
  if (err instanceof OtlpDecodeError) return err;
  if (err instanceof RangeError) {
    if (err.message.startsWith('index out of range')) {
      return new OtlpDecodeError(`protobuf: truncated field at byte ${Math.min(r.pos, r.len)}: the body ends at byte ${r.len}`, {
        cause: err,
      });
    }
    return new OtlpDecodeError(`protobuf: message nested too deeply near byte ${r.pos}`, { cause: err });
  }
  // protobufjs throws plain `Error`s for invalid varints, wire types and group nesting.
  if (err instanceof Error && err.constructor === Error) {
    return new OtlpDecodeError(`protobuf: ${err.message} (near byte ${r.pos})`, { cause: err });
  }
  return err;
}
