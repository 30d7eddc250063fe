/**
 * Writes rows in ClickHouse's `RowBinary` format: values back to back in column order,
 * little-endian numbers, strings and arrays prefixed by their length as an unsigned LEB128,
 * maps as a length and then key, value pairs. `LowCardinality(T)` is written as `T`.
 *
 * The embedded engine parses this several times faster than `JSONCompactEachRow`, and
 * numbers need no decimal formatting on our side (see test/bench/insert-format.bench.js).
 */
import { isAscii } from 'node:buffer';

/** Lowercase hex digits of each byte value, as two char codes: `HEX[2 * b]`, `HEX[2 * b + 1]`. */
const HEX = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  const h = b.toString(16).padStart(2, '0');
  HEX[2 * b] = h.charCodeAt(0);
  HEX[2 * b + 1] = h.charCodeAt(1);
}

export class RowBinaryWriter {
  #buf: Buffer;
  #view: DataView;
  #pos = 0;

  /** @param initialBytes starting capacity; the buffer doubles when it fills */
  constructor(initialBytes = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** The bytes written, as a view of the writer's buffer (no copy). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  /** Forgets what was written after the first `length` bytes (to take back a partly written row). */
  rewind(length: number): void {
    if (length < 0 || length > this.#pos) throw new RangeError(`cannot rewind to ${length} of ${this.#pos} bytes`);
    this.#pos = length;
  }

  /** Appends bytes that already are RowBinary values (e.g. columns encoded once for many rows). */
  raw(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /**
   * `String` from the UTF-8 bytes `src[from, to)` when they are all ASCII (then they need no
   * decoding or validation: the bytes are the string's UTF-8); returns false and writes
   * nothing otherwise, so the caller can decode them (`string()` after a UTF-8 decode).
   */
  asciiString(src: Uint8Array, from: number, to: number): boolean {
    const len = to - from;
    this.#room(len + 5);
    const buf = this.#buf;
    const start = this.#pos;
    if (len < 64) {
      let pos = start + 1; // below 128, the length prefix is one byte
      for (let i = from; i < to; i++) {
        const c = src[i]!;
        if (c >= 0x80) return false;
        buf[pos++] = c;
      }
      buf[start] = len;
      this.#pos = pos;
      return true;
    }
    const bytes = src.subarray(from, to);
    if (!isAscii(bytes)) return false;
    this.length32(len);
    buf.set(bytes, this.#pos);
    this.#pos += len;
    return true;
  }

  /** `String` of the lowercase hex digits of the bytes `src[from, to)` (trace and span ids). */
  hexString(src: Uint8Array, from: number, to: number): void {
    const len = 2 * (to - from);
    this.length32(len);
    this.#room(len);
    const buf = this.#buf;
    let pos = this.#pos;
    for (let i = from; i < to; i++) {
      const b = 2 * src[i]!;
      buf[pos++] = HEX[b]!;
      buf[pos++] = HEX[b + 1]!;
    }
    this.#pos = pos;
  }

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** An unsigned LEB128 length (arrays, maps, strings). */
  length32(n: number): void {
    this.#room(5);
    const buf = this.#buf;
    let pos = this.#pos;
    while (n >= 0x80) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.#pos = pos;
  }

  /** `String`: UTF-8 bytes after their length (a lone surrogate becomes U+FFFD). */
  string(s: string): void {
    const len = s.length;
    if (len < 128) {
      // Short strings are mostly ASCII: copy the code units, falling back on the first other one.
      this.#room(len + 1);
      const buf = this.#buf;
      const start = this.#pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === len) {
        buf[this.#pos] = len;
        this.#pos = start + len;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.length32(bytes);
    this.#room(bytes);
    this.#pos += this.#buf.write(s, this.#pos, bytes, 'utf8');
  }

  /** `Float64`. */
  float64(v: number): void {
    this.#room(8);
    this.#view.setFloat64(this.#pos, v, true);
    this.#pos += 8;
  }

  /** `UInt8`. */
  uint8(v: number): void {
    this.#room(1);
    this.#buf[this.#pos++] = v;
  }

  /** `UInt32`. */
  uint32(v: number): void {
    this.#room(4);
    this.#view.setUint32(this.#pos, v, true);
    this.#pos += 4;
  }

  /** `Int32`. */
  int32(v: number): void {
    this.#room(4);
    this.#view.setInt32(this.#pos, v, true);
    this.#pos += 4;
  }

  /** `DateTime`: whole Unix seconds (0 to 2^32 - 1). */
  dateTime(seconds: number): void {
    this.uint32(seconds);
  }

  /** `UInt64` of a non-negative safe integer (a count). */
  uint64(v: number): void {
    this.int64(v % TWO_32, Math.floor(v / TWO_32));
  }

  /** `UInt8` of a flag: 1 for true. */
  bool(v: boolean): void {
    this.uint8(v ? 1 : 0);
  }

  /** `Nullable(UInt8)` of a flag, or null. */
  nullableBool(v: boolean | null): void {
    if (v === null) this.uint8(1);
    else {
      this.uint8(0);
      this.uint8(v ? 1 : 0);
    }
  }

  /** `DateTime64(3)` from Unix milliseconds (rounded to a whole millisecond). */
  dateTime64Millis(ms: number): void {
    const v = Math.round(ms);
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) this.int64(v % TWO_32, Math.floor(v / TWO_32));
    else {
      const [lo, hi] = int64Halves(BigInt(v));
      this.int64(lo, hi);
    }
  }

  /** `Nullable(DateTime64(3))` from Unix milliseconds, or null. */
  nullableDateTime64Millis(ms: number | null): void {
    if (ms === null) this.uint8(1);
    else {
      this.uint8(0);
      this.dateTime64Millis(ms);
    }
  }

  /** `Nullable(Float64)`: a null flag, then the value when there is one. */
  nullableFloat64(v: number | null): void {
    if (v === null) {
      this.uint8(1);
      return;
    }
    this.uint8(0);
    this.float64(v);
  }

  /** `Int64`/`UInt64`/`DateTime64(9)` given as its two unsigned 32-bit halves (low first). */
  int64(lo: number, hi: number): void {
    this.#room(8);
    this.#view.setUint32(this.#pos, lo, true);
    this.#view.setUint32(this.#pos + 4, hi, true);
    this.#pos += 8;
  }

  /**
   * `DateTime64(9)` from the store's decimal form of Unix seconds with nine fraction
   * digits (`"1700000000.123456789"`, optionally negative), exactly.
   */
  dateTime64Nanos(decimal: string): void {
    const [lo, hi] = decimalNanosToInt64(decimal);
    this.int64(lo, hi);
  }

  /** `UInt64` from a decimal string of at most 20 digits. */
  uint64Decimal(decimal: string): void {
    if (decimal.length <= 15) {
      const v = Number(decimal);
      this.int64(v % 0x1_0000_0000, Math.floor(v / 0x1_0000_0000));
      return;
    }
    const [lo, hi] = int64Halves(BigInt(decimal));
    this.int64(lo, hi);
  }

  /** `Array(Float32)`: each number rounded to the nearest 32-bit float. */
  float32Array(values: readonly number[]): void {
    this.length32(values.length);
    this.#room(4 * values.length);
    for (let i = 0; i < values.length; i++) {
      this.#view.setFloat32(this.#pos, values[i]!, true);
      this.#pos += 4;
    }
  }

  /** `Array(Float64)`. */
  float64Array(values: readonly number[]): void {
    this.length32(values.length);
    for (let i = 0; i < values.length; i++) this.float64(values[i]!);
  }

  /** `Array(UInt64)` from decimal strings, as {@link uint64Decimal}. */
  uint64DecimalArray(values: readonly string[]): void {
    this.length32(values.length);
    for (let i = 0; i < values.length; i++) this.uint64Decimal(values[i]!);
  }

  /** `Array(DateTime)` from whole Unix seconds. */
  dateTimeArray(values: readonly number[]): void {
    this.length32(values.length);
    for (let i = 0; i < values.length; i++) this.uint32(values[i]!);
  }

  /** `Array(String)`. */
  stringArray(values: readonly string[]): void {
    this.length32(values.length);
    for (let i = 0; i < values.length; i++) this.string(values[i]!);
  }

  /** `Array(DateTime64(9))` from decimal seconds, as {@link dateTime64Nanos}. */
  dateTime64NanosArray(values: readonly string[]): void {
    this.length32(values.length);
    for (let i = 0; i < values.length; i++) this.dateTime64Nanos(values[i]!);
  }

  /** `Map(String, String)` from an object's own enumerable properties. */
  stringMap(map: Readonly<Record<string, string>>): void {
    const keys = Object.keys(map);
    this.length32(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      this.string(k);
      this.string(map[k]!);
    }
  }

  /** `Array(Map(String, String))`. */
  stringMapArray(maps: readonly Readonly<Record<string, string>>[]): void {
    this.length32(maps.length);
    for (let i = 0; i < maps.length; i++) this.stringMap(maps[i]!);
  }

  /** `Map(String, Float64)` from an object's own enumerable properties. */
  numberMap(map: Readonly<Record<string, number>>): void {
    const keys = Object.keys(map);
    this.length32(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      this.string(k);
      this.float64(map[k]!);
    }
  }
}

const TWO_32 = 0x1_0000_0000;

/** The unsigned 32-bit halves `[lo, hi]` of a 64-bit integer's two's complement, for {@link RowBinaryWriter.int64}. */
export function int64Halves(v: bigint): [lo: number, hi: number] {
  return [Number(v & 0xffff_ffffn), Number((v >> 32n) & 0xffff_ffffn)];
}

/**
 * Exact two's-complement 64-bit halves `[lo, hi]` of the nanoseconds in a decimal-seconds
 * string with up to nine fraction digits. Only double arithmetic on values below 2^53.
 */
export function decimalNanosToInt64(decimal: string): [lo: number, hi: number] {
  let i = 0;
  const negative = decimal.charCodeAt(0) === 0x2d; // '-'
  if (negative) i = 1;
  let seconds = 0;
  for (; i < decimal.length; i++) {
    const c = decimal.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) break;
    seconds = seconds * 10 + c;
  }
  let nanos = 0;
  let digits = 0;
  if (decimal.charCodeAt(i) === 0x2e) {
    for (i++; i < decimal.length && digits < 9; i++, digits++) nanos = nanos * 10 + (decimal.charCodeAt(i) - 0x30);
  }
  for (; digits < 9; digits++) nanos *= 10;
  // seconds * 1e9 + nanos, with seconds split at 2^16 so every product stays below 2^53.
  const secHi = Math.floor(seconds / 0x1_0000);
  const secLo = seconds % 0x1_0000;
  const a = secHi * 1e9; // to be shifted left by 16 bits
  const aHi = Math.floor(a / 0x1_0000);
  const c = (a % 0x1_0000) * 0x1_0000 + secLo * 1e9 + nanos;
  let lo = c % TWO_32;
  let hi = (aHi + Math.floor(c / TWO_32)) % TWO_32;
  if (negative && (lo !== 0 || hi !== 0)) {
    // Two's complement: invert and add one.
    lo = TWO_32 - lo;
    hi = lo === TWO_32 ? (TWO_32 - hi) % TWO_32 : TWO_32 - 1 - hi;
    lo %= TWO_32;
  }
  return [lo, hi];
}
