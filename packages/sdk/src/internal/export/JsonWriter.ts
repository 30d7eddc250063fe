import { ByteWriter } from './ByteWriter.js';

/**
 * JSON text written straight into a `ByteWriter`'s buffer, without building a string first: the
 * pieces of a record as they come (ASCII copied character by character), so that a line costs
 * neither the concatenations nor the UTF-8 conversion of the whole text. Anything that needs
 * escaping or is not ASCII goes through `JSON.stringify` and `write`, so the bytes are always
 * those of the JSON text.
 */
export class JsonWriter extends ByteWriter {
  /** Where the next byte goes; `reset` returns there. */
  mark(): number {
    return this.length;
  }

  /** Drops what was written since `mark`. */
  reset(mark: number): void {
    this.length = mark;
  }

  /** ASCII text as it is (the caller knows it is ASCII: punctuation, keys, numbers). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const b = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
    this.length = at;
  }

  /** A string's JSON: quoted as it is when it is printable ASCII without `"` or `\`, else `JSON.stringify`'s, as UTF-8. */
  string(s: string): void {
    const n = s.length;
    this.ensure(n + 2);
    const b = this.buffer;
    const start = this.length;
    let at = start;
    b[at++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7f || c === QUOTE || c === BACKSLASH) {
        this.length = start;
        this.write(JSON.stringify(s));
        return;
      }
      b[at++] = c;
    }
    b[at++] = QUOTE;
    this.length = at;
  }

  /** A number's JSON (`null` for NaN and the infinities, as `JSON.stringify` writes them). */
  number(n: number): void {
    this.ascii(Number.isFinite(n) ? String(n) : 'null');
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
