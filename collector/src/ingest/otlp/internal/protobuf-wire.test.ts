import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from '../otlp-decode-error.js';
import { createWireReader, readBool, readInt64, readString } from './protobuf-wire.js';

function int64Bytes(value: bigint): Uint8Array {
  const bits = { low: Number(BigInt.asIntN(32, value)), high: Number(BigInt.asIntN(32, value >> 32n)), unsigned: false };
  return protobuf.Writer.create().int64(bits as unknown as number).finish();
}

describe('readInt64', () => {
  it('gives a number for safe integers and exact decimal strings beyond', () => {
    const cases: [bigint, number | string][] = [
      [0n, 0],
      [1n, 1],
      [-1n, -1],
      [2n ** 32n, 4294967296],
      [-(2n ** 32n), -4294967296],
      [2n ** 53n - 1n, Number.MAX_SAFE_INTEGER],
      [-(2n ** 53n - 1n), Number.MIN_SAFE_INTEGER],
      [2n ** 53n, '9007199254740992'],
      [-(2n ** 53n), '-9007199254740992'],
      [2n ** 63n - 1n, '9223372036854775807'],
      [-(2n ** 63n), '-9223372036854775808'],
    ];
    for (const [value, expected] of cases) {
      const r = createWireReader(int64Bytes(value));
      expect(readInt64(r)).toBe(expected);
      expect(r.pos).toBe(r.len);
    }
  });

  it('refuses varints that are truncated or longer than ten bytes', () => {
    expect(() => readInt64(createWireReader(new Uint8Array([0x80, 0x80])))).toThrow(OtlpDecodeError);
    const eleven = new Uint8Array([...Array<number>(10).fill(0xff), 0x01]);
    expect(() => readInt64(createWireReader(eleven))).toThrow('protobuf: varint longer than 10 bytes at byte 0');
  });
});

describe('readBool and readString', () => {
  it('reads a bool whose only set bit is above bit 31 as true', () => {
    expect(readBool(createWireReader(int64Bytes(2n ** 40n)))).toBe(true);
    expect(readBool(createWireReader(new Uint8Array([0])))).toBe(false);
  });

  it('reads UTF-8 from a Uint8Array view at an offset and refuses a string cut short', () => {
    const text = protobuf.Writer.create().string('żółw').finish();
    const padded = new Uint8Array(text.length + 4);
    padded.set(text, 2);
    const r = createWireReader(padded.subarray(2, 2 + text.length));
    expect(readString(r, r.len)).toBe('żółw');
    const short = createWireReader(text.subarray(0, text.length - 1));
    expect(() => readString(short, short.len)).toThrow('protobuf: truncated field at byte 1: length 7 exceeds the 6 bytes left');
  });
});
