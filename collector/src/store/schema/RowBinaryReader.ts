/**
 * Reads ClickHouse `RowBinary` values, the inverse of `RowBinaryWriter`: for tests that check
 * what a transcoder or a codec wrote field by field, and for fakes that stand in for the engine.
 * The collector itself never reads RowBinary.
 */
export class RowBinaryReader {
  readonly #buf: Buffer;
  readonly #view: DataView;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.#buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Whether every byte has been read. */
  get done(): boolean {
    return this.#pos >= this.#buf.length;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length) throw new RangeError(`RowBinary: ${n} bytes expected at ${this.#pos}, ${this.#buf.length - this.#pos} left`);
  }

  /** An unsigned LEB128 length. */
  length(): number {
    let n = 0;
    let shift = 0;
    for (;;) {
      this.#need(1);
      const b = this.#buf[this.#pos++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
    }
  }

  string(): string {
    const len = this.length();
    this.#need(len);
    const s = this.#buf.toString('utf8', this.#pos, this.#pos + len);
    this.#pos += len;
    return s;
  }

  uint8(): number {
    this.#need(1);
    return this.#buf[this.#pos++]!;
  }

  uint32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#pos, true);
    this.#pos += 4;
    return v;
  }

  int32(): number {
    this.#need(4);
    const v = this.#view.getInt32(this.#pos, true);
    this.#pos += 4;
    return v;
  }

  float32(): number {
    this.#need(4);
    const v = this.#view.getFloat32(this.#pos, true);
    this.#pos += 4;
    return v;
  }

  float64(): number {
    this.#need(8);
    const v = this.#view.getFloat64(this.#pos, true);
    this.#pos += 8;
    return v;
  }

  int64(): bigint {
    this.#need(8);
    const v = this.#view.getBigInt64(this.#pos, true);
    this.#pos += 8;
    return v;
  }

  uint64(): bigint {
    this.#need(8);
    const v = this.#view.getBigUint64(this.#pos, true);
    this.#pos += 8;
    return v;
  }

  /** `DateTime64(9)` as the store's decimal seconds (`"1700000000.123456789"`). */
  dateTime64Nanos(): string {
    const ns = this.int64();
    const negative = ns < 0n;
    const digits = (negative ? -ns : ns).toString().padStart(10, '0');
    const cut = digits.length - 9;
    return `${negative ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }

  array<T>(item: () => T): T[] {
    const n = this.length();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }

  stringMap(): Record<string, string> {
    const n = this.length();
    const out: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const k = this.string();
      out[k] = this.string();
    }
    return out;
  }

  numberMap(): Record<string, number> {
    const n = this.length();
    const out: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const k = this.string();
      out[k] = this.float64();
    }
    return out;
  }
}
