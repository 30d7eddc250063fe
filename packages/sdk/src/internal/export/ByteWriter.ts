/**
 * Builds a request body as UTF-8 bytes, piece by piece, in one growing buffer of its own (never
 * Node's shared pool), so that the finished body can be transferred to the export worker
 * without a copy. Building the text first and posting it made Node copy (and, for text built
 * by `+=`, flatten) a 300 KB string per batch. Writing each line into the buffer costs a few
 * tens of nanoseconds. The buffers come back from the worker once a request is done and are
 * used again (`recycleBuffer`): a fresh 512 KB buffer per batch meant page faults, and memory
 * written once and thrown away evicting the host's own data from the CPU caches.
 */
export class ByteWriter {
  protected buffer: Buffer;
  protected length = 0;

  /** @param capacity the expected size (grows past it when needed) */
  constructor(capacity = 64 * 1024) {
    this.buffer = takeBuffer(Math.max(256, Math.ceil(capacity)));
  }

  /** Appends the UTF-8 bytes of `text`. */
  write(text: string): void {
    // At most 3 bytes per UTF-16 unit.
    if (this.length + text.length * 3 > this.buffer.length) this.grow(this.length + text.length * 3);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  /** Appends bytes as they are (an encoded fragment). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Appends one byte (ASCII). */
  writeByte(byte: number): void {
    if (this.length + 1 > this.buffer.length) this.grow(this.length + 1);
    this.buffer[this.length++] = byte;
  }

  /** The bytes written: a view of the writer's own `ArrayBuffer` (transferable, see `isTransferable`). The writer must not be used afterwards. */
  finish(): Uint8Array {
    const bytes = new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.length);
    owned.add(bytes);
    return bytes;
  }

  /** Gives the buffer back for later writers, instead of `finish` (the writer must not be used afterwards). */
  release(): void {
    recycleBuffer(this.buffer.buffer as ArrayBuffer);
  }

  /** Makes room for `n` more bytes (subclasses write into `buffer` at `length` themselves). */
  protected ensure(n: number): void {
    if (this.length + n > this.buffer.length) this.grow(this.length + n);
  }

  private grow(needed: number): void {
    const next = takeBuffer(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.length);
    recycleBuffer(this.buffer.buffer as ArrayBuffer);
    this.buffer = next;
  }
}

/** Views made by `ByteWriter.finish`, whose `ArrayBuffer` nobody else uses. */
const owned = new WeakSet<Uint8Array>();

/** True when `bytes` is the sole view of an `ArrayBuffer` that may be transferred (detached) without harm: a `ByteWriter`'s. */
export function isTransferable(bytes: Uint8Array): boolean {
  return owned.has(bytes);
}

/** Buffers kept for the next bodies: a few, none larger than `MAX_KEPT_BYTES`. */
const spare: ArrayBuffer[] = [];
const MAX_SPARE = 4;
const MAX_KEPT_BYTES = 2 * 1024 * 1024;

function takeBuffer(size: number): Buffer {
  for (let i = 0; i < spare.length; i++) {
    if (spare[i].byteLength >= size) return Buffer.from(spare.splice(i, 1)[0]);
  }
  return Buffer.allocUnsafeSlow(size);
}

/**
 * Gives the `ArrayBuffer` of a finished body back for later bodies, once nothing uses it any
 * more (the request was sent). Only a `ByteWriter`'s buffers (`isTransferable`) come back here.
 */
export function recycleBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength === 0 || buffer.byteLength > MAX_KEPT_BYTES || spare.length >= MAX_SPARE || spare.includes(buffer)) return;
  spare.push(buffer);
}
