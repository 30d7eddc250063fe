import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LINES_PER_TURN, RecordSerializer } from './RecordSerializer.js';
import { serializedLines } from './serialized-lines.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const records = (n: number) => Array.from({ length: n }, (_, i) => ({ predictionId: `p${i}`, model: 'm', features: { x: i, city: 'Zürich' } }));

describe('RecordSerializer', () => {
  it('serializes a batch as NDJSON: one JSON line per record, each ending in a newline', async () => {
    const batch = records(3);
    const body = await new RecordSerializer('none').serialize(batch, 16);
    expect(text(body)).toBe(batch.map((r) => JSON.stringify(r) + '\n').join(''));
    expect(text(await new RecordSerializer('none').serialize([]))).toBe('');
  });

  it('sends the line a record was queued with, not the record as it is now', async () => {
    const record = { predictionId: 'a', features: { x: 1 } };
    serializedLines.set(record, JSON.stringify(record));
    record.features.x = 2;
    expect(text(await new RecordSerializer('none').serialize([record]))).toBe('{"predictionId":"a","features":{"x":1}}\n');
  });

  it(`yields to the event loop every ${LINES_PER_TURN} records, not before`, async () => {
    const serializer = new RecordSerializer('none');
    /** Whether an immediate queued before `serialize` ran before it resolved. */
    const loopRanDuring = async (n: number) => {
      let ran = false;
      setImmediate(() => (ran = true));
      await serializer.serialize(records(n));
      return ran;
    };
    expect(await loopRanDuring(LINES_PER_TURN)).toBe(false);
    expect(await loopRanDuring(LINES_PER_TURN + 1)).toBe(true);
  });

  it("writes UTF-8, and sends the bytes as they are with compression 'none'", async () => {
    const serialized = await new RecordSerializer('none').serialize([{ city: 'Zürich' }]);
    expect(Buffer.from(serialized).equals(Buffer.from([...Buffer.from('{"city":"Z'), 0xc3, 0xbc, ...Buffer.from('rich"}\n')]))).toBe(true);
    expect(await new RecordSerializer('none').encode(serialized)).toBe(serialized);
  });

  it("gzips at level 1 with 'gzip': the bytes of zlib's level 1, which gunzip to the text", async () => {
    const serialized = await new RecordSerializer('gzip').serialize(records(200));
    const body = Buffer.from(await new RecordSerializer('gzip').encode(serialized));
    expect(body.subarray(0, 3).equals(Buffer.from([0x1f, 0x8b, 0x08]))).toBe(true);
    expect(body[8]).toBe(4); // XFL: the fastest compression
    expect(body.equals(gzipSync(serialized, { level: 1 }))).toBe(true);
    expect(gunzipSync(body).toString('utf8')).toBe(text(serialized));
  });
});
