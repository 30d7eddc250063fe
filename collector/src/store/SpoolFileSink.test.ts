import { describe, expect, it } from 'vitest';
import { writeAll, type WritableHandle } from './SpoolFileSink.js';

// writeAll over a fake file handle (pure logic: a real short write needs a disk filling up, which
// the disk-full chaos scenario does).

/** A handle that takes at most `room` bytes in all, `perCall` at most per call, and records what it got. */
function handle(room: number, perCall = Infinity): WritableHandle & { written: Buffer; calls: number } {
  const parts: Buffer[] = [];
  const h = {
    written: Buffer.alloc(0),
    calls: 0,
    async writev(buffers: Uint8Array[]) {
      return h.take(Buffer.concat(buffers));
    },
    async write(buffer: Uint8Array, offset: number, length: number) {
      return h.take(Buffer.from(buffer.subarray(offset, offset + length)));
    },
    take(bytes: Buffer) {
      h.calls++;
      const n = Math.min(bytes.length, perCall, room - h.written.length);
      parts.push(bytes.subarray(0, n));
      h.written = Buffer.concat(parts);
      return { bytesWritten: n };
    },
  };
  return h;
}

const chunks = [Buffer.from('abcdef'), Buffer.from('ghij'), Buffer.from('klmnopqrst')];

describe('writeAll', () => {
  it('writes everything in one call when the system takes it all', async () => {
    const h = handle(1000);
    await writeAll(h, chunks);
    expect(h.written.toString()).toBe('abcdefghijklmnopqrst');
    expect(h.calls).toBe(1);
  });

  it('writes the rest of a short write until every byte is there', async () => {
    const h = handle(1000, 7);
    await writeAll(h, chunks);
    expect(h.written.toString()).toBe('abcdefghijklmnopqrst');
    expect(h.calls).toBe(3);
  });

  it('throws ENOSPC when the disk takes no more, instead of leaving a short file', async () => {
    const h = handle(12);
    const err = await writeAll(h, chunks).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect((err as Error).message).toMatch(/written short \(12 of 20 bytes\): no space left on device/);
  });
});
