/**
 * The `partial_success` of an OTLP export response in protobuf (`Export*ServiceResponse`: field 1,
 * holding the rejected count in field 1 and the message in field 2), read from the reply as
 * `HttpTransport` hands a protobuf reply on: one character a byte. Undefined when there is none,
 * or when the reply is not such a message (other fields are skipped).
 */
export function readPartialSuccess(reply: string): { rejected: number; message: string } | undefined {
  const top = new Reader(reply, 0, reply.length);
  while (top.more()) {
    const key = top.varint();
    if (key === undefined) return undefined;
    if (key !== 0x0a) {
      if (!top.skip(key & 7)) return undefined;
      continue;
    }
    const length = top.varint();
    if (length === undefined || top.at + length > reply.length) return undefined;
    const inner = new Reader(reply, top.at, top.at + length);
    let rejected = 0;
    let message = '';
    while (inner.more()) {
      const k = inner.varint();
      if (k === undefined) return undefined;
      if (k === 0x08) {
        const n = inner.varint();
        if (n === undefined) return undefined;
        rejected = n;
      } else if (k === 0x12) {
        const n = inner.varint();
        if (n === undefined || inner.at + n > inner.end) return undefined;
        message = Buffer.from(reply.slice(inner.at, inner.at + n), 'latin1').toString('utf8');
        inner.at += n;
      } else if (!inner.skip(k & 7)) return undefined;
    }
    return { rejected, message };
  }
  return undefined;
}

/** Reads varints from `text` (a character a byte) between `at` and `end`. */
class Reader {
  constructor(
    private readonly text: string,
    public at: number,
    readonly end: number,
  ) {}

  more(): boolean {
    return this.at < this.end;
  }

  /** A varint (exact up to 2^53); undefined when cut off. */
  varint(): number | undefined {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10 && this.at < this.end; i++) {
      const b = this.text.charCodeAt(this.at++);
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    return undefined;
  }

  /** Skips a field's value of wire type `type`; false when it cannot. */
  skip(type: number): boolean {
    if (type === 0) return this.varint() !== undefined;
    if (type === 1) this.at += 8;
    else if (type === 5) this.at += 4;
    else if (type === 2) {
      const n = this.varint();
      if (n === undefined) return false;
      this.at += n;
    } else return false;
    return this.at <= this.end;
  }
}
