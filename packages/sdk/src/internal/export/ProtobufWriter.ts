import { ByteWriter } from './ByteWriter.js';

/**
 * Protocol Buffers wire format written straight into a `ByteWriter`'s buffer (so the body is
 * transferable like any other, see `ByteWriter`): tags, varints, fixed64, doubles, strings,
 * bytes, and length-delimited messages whose length is filled in at their end. The encoding
 * choices are those of OpenTelemetry JS's own writer (`@opentelemetry/otlp-transformer`): one
 * byte reserved for a message's length, the content moved when it needs more; ASCII strings
 * copied character by character, others encoded as UTF-8.
 */
export class ProtobufWriter extends ByteWriter {
  /** A field's key: `field << 3 | wireType` as a varint. */
  tag(field: number, wireType: 0 | 1 | 2 | 5): void {
    this.varint32((field << 3) | wireType);
  }

  /** An unsigned varint of at most 32 bits. */
  varint32(value: number): void {
    this.ensure(5);
    const b = this.buffer;
    let v = value >>> 0;
    while (v > 0x7f) {
      b[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[this.length++] = v;
  }

  /** An `int64` varint of an integer in the int64 range (a negative one as its 10-byte two's complement). */
  varint64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) return this.varint32(value);
    this.ensure(10);
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = (abs / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    const b = this.buffer;
    while (high > 0 || low > 0x7f) {
      b[this.length++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    b[this.length++] = low & 0x7f;
  }

  /** A little-endian fixed64 from its two 32-bit halves. */
  fixed64(low: number, high: number): void {
    this.ensure(8);
    this.buffer.writeUInt32LE(low >>> 0, this.length);
    this.buffer.writeUInt32LE(high >>> 0, this.length + 4);
    this.length += 8;
  }

  /** A little-endian fixed32. */
  fixed32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
  }

  /** A little-endian IEEE 754 double. */
  double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
  }

  /** A length-delimited UTF-8 string (its length, then its bytes). */
  string(s: string): void {
    const n = s.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 127) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return this.bytes(Buffer.from(s, 'utf8'));
    this.varint32(n);
    this.ensure(n);
    const b = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
    this.length = at;
  }

  /** Length-delimited bytes. */
  bytes(bytes: Uint8Array): void {
    this.varint32(bytes.length);
    this.raw(bytes);
  }

  /**
   * Length-delimited bytes from hex text (a trace or span id, checked as hex when the span was
   * made): 2 hex digits a byte.
   */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.varint32(n);
    this.ensure(n);
    const b = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) b[at++] = (HEX_VALUE[hex.charCodeAt(2 * i) & 0x7f] << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1) & 0x7f];
    this.length = at;
  }

  /** Starts a length-delimited message (after its tag); returns what `end` takes. */
  begin(): number {
    this.ensure(1);
    return this.length++;
  }

  /** Ends the message `begin` started: writes its length there, moving its content when the length takes more than one byte. */
  end(start: number): void {
    const length = this.length - start - 1;
    let size = 1;
    for (let v = length >>> 7; v > 0; v >>>= 7) size++;
    if (size > 1) {
      this.ensure(size - 1);
      this.buffer.copyWithin(start + size, start + 1, this.length);
      this.length += size - 1;
    }
    const b = this.buffer;
    let at = start;
    let v = length;
    while (v > 0x7f) {
      b[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[at] = v;
  }

  /** The bytes written so far, copied (for fragments encoded once and reused with `raw`). */
  copy(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buffer, 0, this.length);
  }
}

const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}
