import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowsRefusedError, SaturatedError, StoreError, StoreInsertError } from '../errors.js';
import { ClickHouseStore } from './ClickHouseStore.js';
import { classifyInsertFailure } from './insert-failure.js';
import { InsertBatcher } from './InsertBatcher.js';
import { RowBinaryWriter } from './row-binary.js';
import { DateTime64Nanos, Str, UInt32 } from './schema/column-types.js';
import { Ddl } from './schema/ddl.js';
import { column, decodeRows, defineTable, encodeRows, stamped, type RowType } from './schema/TableDefinition.js';

// Runs against the real embedded engine. chDB binds one data directory per process and
// vitest runs each file in its own forked process, so this file opens one data directory
// for all of its tests; each test writes rows under its own tag.
const TABLE = 'batcher_rows';

const CODEC = defineTable(TABLE, { Id: column(UInt32), Tag: column(Str) }, { engine: 'MergeTree', orderBy: '(Tag, Id)' });
type Row = RowType<typeof CODEC>;

/** A table partitioned by day as `predictions` is. */
const DAY_TABLE = 'batcher_days';
const DAY_CODEC = defineTable(
  DAY_TABLE,
  { Timestamp: column(DateTime64Nanos), Tag: column(Str) },
  { engine: 'MergeTree', partitionBy: 'toDate(Timestamp)', orderBy: 'Tag', dayPartition: 'Timestamp' },
);
type DayRow = RowType<typeof DAY_CODEC>;
/** A row at noon (UTC) of a day. */
const dayRow = (day: number, tag: string): DayRow => ({ Timestamp: `${day * 86_400 + 43_200}.000000000`, Tag: tag });

let dataDir: string;
let store: ClickHouseStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-batcher-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  for (const statement of [...Ddl.SINGLE.table(CODEC), ...Ddl.SINGLE.table(DAY_CODEC)]) await store.command(statement);
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Rows for the given ids under a tag. */
function rows(tag: string, ids: readonly number[]): Row[] {
  return ids.map((id) => ({ Id: id, Tag: tag }));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Ids stored under a tag, ascending. */
async function storedIds(tag: string): Promise<number[]> {
  const rows = await store.query<{ Id: number }>(`SELECT Id FROM ${TABLE} WHERE Tag = {tag:String} ORDER BY Id`, { tag });
  return rows.map((r) => Number(r.Id));
}

/** Resolves with `promise`, or fails with `what` when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** True once `promise` has settled; checked after the current macrotask. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setImmediate(r));
  return settled;
}

/**
 * Rows `ids` of `tag` in RowBinary, the last one cut short (its tag claims 1000 bytes that are
 * not there): what a producer at fault hands over.
 */
function brokenPayload(tag: string, ids: readonly number[]): Buffer {
  const w = new RowBinaryWriter(64);
  for (const [i, id] of ids.entries()) {
    w.uint32(id);
    if (i < ids.length - 1) w.string(tag);
    else w.length32(1000);
  }
  return Buffer.from(w.bytes());
}

describe('InsertBatcher on the embedded engine', () => {
  it('coalesces concurrent add()s within maxDelayMs into one insert, and resolves only once the rows are stored', async () => {
    const tag = `coalesce`;
    const batcher = new InsertBatcher(store, CODEC, { maxDelayMs: 100, maxRows: 10_000 });
    const adds = range(0, 10).map((i) => batcher.add(rows(tag, range(i * 3, i * 3 + 3))));
    // Requests arriving a little later, but inside the window, join the same batch.
    await new Promise((r) => setImmediate(r));
    adds.push(batcher.add(rows(tag, [30, 31])));
    expect(batcher.stats()).toMatchObject({ inserts: 0, insertedRows: 0, failedInserts: 0, pendingRows: 32 });
    expect(batcher.stats().pendingBytes).toBeGreaterThan(32 * 8);

    await adds[0];
    // The first caller's acknowledgement means every row of the batch is already queryable.
    expect(await storedIds(tag)).toEqual(range(0, 32));
    await Promise.all(adds);
    expect(batcher.stats()).toEqual({ inserts: 1, insertedRows: 32, failedInserts: 0, pendingRows: 0, pendingBytes: 0 });
  });

  it('sends a batch at once when it reaches maxRows or maxBytes, without waiting for maxDelayMs', async () => {
    const tag = `max-rows`;
    const batcher = new InsertBatcher(store, CODEC, { maxDelayMs: 60_000, maxRows: 5 });
    const first = batcher.add(rows(tag, [0, 1]));
    expect(await isSettled(first)).toBe(false);
    const second = batcher.add(rows(tag, [2, 3, 4]));
    await within(Promise.all([first, second]), 10_000, 'a full batch (maxRows) was not inserted');
    expect(batcher.stats()).toMatchObject({ inserts: 1, insertedRows: 5, pendingRows: 0 });
    expect(await storedIds(tag)).toEqual(range(0, 5));

    // Below the threshold the row waits (the 60 s timer) until flush() sends it.
    const third = batcher.add(rows(tag, [5]));
    expect(await isSettled(third)).toBe(false);
    expect(batcher.stats()).toMatchObject({ inserts: 1, pendingRows: 1 });
    await within(batcher.flush(), 10_000, 'flush()');
    await third;
    expect(batcher.stats()).toMatchObject({ inserts: 2, insertedRows: 6, pendingRows: 0 });

    const byBytes = new InsertBatcher(store, CODEC, { maxDelayMs: 60_000, maxRows: 10_000, maxBytes: 64 });
    const bytesTag = `max-bytes`;
    const ids = range(0, 8); // 8 rows of over 20 bytes: over 64
    expect(encodeRows(CODEC, rows(bytesTag, ids)).length).toBeGreaterThanOrEqual(64);
    await within(byBytes.add(rows(bytesTag, ids)), 10_000, 'a full batch (maxBytes) was not inserted');
    expect(await storedIds(bytesTag)).toEqual(ids);
  });

  it('refuses rows over maxPendingRows with SaturatedError (503, Retry-After) and stores nothing of that call', async () => {
    const tag = `saturated`;
    const batcher = new InsertBatcher(store, CODEC, { maxDelayMs: 60_000, maxRows: 1000, maxPendingRows: 10 });
    const waiting = batcher.add(rows(tag, range(0, 8)));

    const refused = batcher.add(rows(tag, [100, 101, 102]));
    const err = await refused.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SaturatedError);
    expect(err).toMatchObject({ code: 'INGEST_SATURATED', statusCode: 503 });
    expect((err as SaturatedError).retryAfterSeconds).toBeGreaterThan(0);
    expect((err as SaturatedError).message).toContain(TABLE);
    expect((err as SaturatedError).message).toContain('limit 10');
    expect(batcher.stats().pendingRows).toBe(8);

    // Exactly up to the limit is still accepted.
    const upToLimit = batcher.add(rows(tag, [8, 9]));
    expect(batcher.stats().pendingRows).toBe(10);
    await within(batcher.flush(), 10_000, 'flush()');
    await Promise.all([waiting, upToLimit]);
    expect(await storedIds(tag)).toEqual(range(0, 10));

    // Once the rows are stored the batcher accepts again.
    const again = batcher.add(rows(tag, [200, 201, 202]));
    await within(batcher.flush(), 10_000, 'flush()');
    await again;
    expect(await storedIds(tag)).toEqual([...range(0, 10), 200, 201, 202]);
  });

  it('answers every waiter of a batch whose insert fails for a missing table with a 500 StoreInsertError that keeps ClickHouse code and type', async () => {
    const missing = new InsertBatcher(store, { ...CODEC, table: 'no_such_table' }, { maxDelayMs: 10 });
    const results = await Promise.allSettled([missing.add(rows('x', [1])), missing.add(rows('x', [2, 3]))]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as StoreInsertError;
      expect(err).toBeInstanceOf(StoreInsertError);
      // Not the rows' fault, nor a capacity problem that a retry would cure.
      expect(err).toMatchObject({ code: 'STORE_INSERT_FAILED', statusCode: 500, clickhouseCode: '60', clickhouseType: 'UNKNOWN_TABLE' });
      expect(err.retryAfterSeconds).toBeUndefined();
      expect(err.message).toContain('no_such_table');
    }
    // The shared insert, then each chunk alone (an unclassified error might have been one chunk's).
    expect(missing.stats()).toEqual({ inserts: 0, insertedRows: 0, failedInserts: 3, pendingRows: 0, pendingBytes: 0 });
  });

  it('stores the good rows batched with a malformed payload, refuses only the malformed one with 400, and keeps working', async () => {
    const tag = `malformed`;
    const batcher = new InsertBatcher(store, CODEC, { maxDelayMs: 10 });
    const good = batcher.add(rows(tag, [0, 1, 2]));
    const bad = batcher.addRowBinary(brokenPayload(tag, [3, 4]), 2);
    const after = batcher.add(rows(tag, [5, 6]));
    const [g, b, a] = await Promise.allSettled([good, bad, after]);
    expect([g.status, a.status]).toEqual(['fulfilled', 'fulfilled']);
    expect(b.status).toBe('rejected');
    const err = (b as PromiseRejectedResult).reason as RowsRefusedError;
    expect(err).toBeInstanceOf(RowsRefusedError);
    // ClickHouse's numeric code (33 for RowBinary cut short), and the table in the message.
    expect(err).toMatchObject({ code: 'INGEST_ROWS_REFUSED', statusCode: 400, retryAfterSeconds: undefined });
    expect(err.clickhouseCode).toMatch(/^\d+$/);
    expect(err.message).toContain(`the store refused this request's rows for ${TABLE}`);
    // Nothing of the malformed request (not even its valid row 3), everything of the others.
    expect(await storedIds(tag)).toEqual([0, 1, 2, 5, 6]);
    expect(batcher.stats()).toMatchObject({ insertedRows: 5, pendingRows: 0 });

    await within(batcher.add(rows(tag, [10, 11])), 10_000, 'the next batch');
    expect(await storedIds(tag)).toEqual([0, 1, 2, 5, 6, 10, 11]);
  });

  it('stores a request spanning 150 days beside 20 normal ones, and three 40-day requests at once, leaving the session\'s settings alone', async () => {
    const tag = `days`;
    const batcher = new InsertBatcher(store, DAY_CODEC, { maxDelayMs: 20 });
    const day0 = 20_000;
    const dayRows = (name: string, days: number, first: number): DayRow[] => Array.from({ length: days }, (_, i) => dayRow(first + i, `${tag}-${name}`));
    const normal = Array.from({ length: 20 }, (_, i) => batcher.add(dayRows(`n${i}`, 1, day0 + 400)));
    const backfill = batcher.add(dayRows('backfill', 150, day0));
    const forties = [0, 1, 2].map((k) => batcher.add(dayRows(`forty${k}`, 40, day0 + 200 + k * 40)));
    const results = await Promise.allSettled([...normal, backfill, ...forties]);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const stored = await store.query<{ Tag: string; n: string }>(
      `SELECT Tag, count() AS n FROM ${DAY_TABLE} WHERE startsWith(Tag, {tag:String}) GROUP BY Tag ORDER BY Tag`,
      { tag },
    );
    expect(Object.fromEntries(stored.map((r) => [r.Tag.slice(tag.length + 1), Number(r.n)]))).toEqual({
      backfill: 150,
      forty0: 40,
      forty1: 40,
      forty2: 40,
      ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`n${i}`, 1])),
    });
    // The raised limit was this insert's own: the session still has the engine's.
    expect(await store.query(`SELECT getSetting('max_partitions_per_insert_block') AS m`)).toEqual([{ m: 100 }]);
  });

  it('is what the engine refuses without it: 150 days in one insert fail as content (too many partitions)', async () => {
    const payload = encodeRows(DAY_CODEC, Array.from({ length: 150 }, (_, i) => dayRow(20_000 + i, `raw`)));
    const err = await store.insertRowBinary(DAY_CODEC, [payload]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ clickhouseCode: '252', clickhouseType: 'TOO_MANY_PARTS', message: expect.stringMatching(/Too many partitions for single INSERT block/) });
    expect(classifyInsertFailure(err)).toBe('content');
    // And with the setting raised for the insert, it goes in.
    await store.insertRowBinary(DAY_CODEC, [payload], { maxPartitionsPerInsert: 150 });
    expect(await store.query(`SELECT count() AS n FROM ${DAY_TABLE} WHERE Tag = {tag:String}`, { tag: `raw` })).toEqual([{ n: 150 }]);
  });

  it('close() inserts what is pending, queued or running, then refuses new rows', async () => {
    const tag = `close`;
    const batcher = new InsertBatcher(store, CODEC, { maxDelayMs: 60_000, maxRows: 2, maxConcurrentInserts: 1 });
    const running = batcher.add(rows(tag, [0, 1])); // full: its insert starts now
    const queued = batcher.add(rows(tag, [2, 3])); // full: waits for the one running
    const pending = batcher.add(rows(tag, [4])); // waits for the 60 s timer
    expect(batcher.stats().pendingRows).toBe(5);

    const closing = batcher.close();
    const late = batcher.add(rows(tag, [99]));
    await expect(late).rejects.toBeInstanceOf(SaturatedError);
    await expect(late).rejects.toMatchObject({ statusCode: 503, message: expect.stringContaining('shutting down') });

    await within(closing, 10_000, 'close()');
    // close() resolved: every waiter has its answer and every row is stored.
    expect(await Promise.all([isSettled(running), isSettled(queued), isSettled(pending)])).toEqual([true, true, true]);
    await Promise.all([running, queued, pending]);
    expect(await storedIds(tag)).toEqual([0, 1, 2, 3, 4]);
    expect(batcher.stats()).toEqual({ inserts: 3, insertedRows: 5, failedInserts: 0, pendingRows: 0, pendingBytes: 0 });

    await expect(batcher.add(rows(tag, [100]))).rejects.toBeInstanceOf(SaturatedError);
    expect(await storedIds(tag)).toEqual([0, 1, 2, 3, 4]);
  });

  it('resolves at once for zero rows without inserting', async () => {
    const batcher = new InsertBatcher(store, CODEC, { maxDelayMs: 60_000 });
    await within(batcher.add([]), 1000, 'add of zero rows');
    expect(batcher.stats()).toEqual({ inserts: 0, insertedRows: 0, failedInserts: 0, pendingRows: 0, pendingBytes: 0 });
  });
});

describe('InsertBatcher.addRowBinary (rows serialised by their producer)', () => {
  it('batches pre-serialised RowBinary with rows from add() into one insert, and refuses over maxPendingRows', async () => {
    const tag = 'prebuilt';
    const batcher = new InsertBatcher(store, CODEC, { maxDelayMs: 50, maxRows: 10_000, maxPendingRows: 10 });
    const both = Promise.all([batcher.addRowBinary(encodeRows(CODEC, rows(tag, [1, 2, 3])), 3), batcher.add(rows(tag, [4]))]);
    expect(store.maxPartitionsPerInsert).toBe(100);
    await expect(batcher.addRowBinary(encodeRows(CODEC, rows(tag, range(10, 17))), 7)).rejects.toBeInstanceOf(SaturatedError);
    await both;
    expect(await storedIds(tag)).toEqual([1, 2, 3, 4]);
    expect(batcher.stats()).toEqual({ inserts: 1, insertedRows: 4, failedInserts: 0, pendingRows: 0, pendingBytes: 0 });
  });
});

describe('inserts of a table with an identity', () => {
  const withIdentity = defineTable(
    'batcher_identity',
    { Timestamp: column(DateTime64Nanos), Tag: column(Str), Key: column(Str) },
    { engine: 'MergeTree', partitionBy: 'toDate(Timestamp)', orderBy: 'Tag', dayPartition: 'Timestamp', identity: { columns: ['Tag'], time: 'Timestamp', request: 'Key' } },
  );
  type IdentityRow = RowType<typeof withIdentity>;

  /**
   * Runs four one-row batches, of request keys `keys`, through a target whose inserts end when
   * told to (each once it is the only one that could be waiting to start).
   * @returns the most inserts that ran at once, and the keys each insert held, in start order
   */
  async function run(deduplicates: boolean, keys: string[]): Promise<{ most: number; inserts: string[][] }> {
    let running = 0;
    let most = 0;
    const inserts: string[][] = [];
    const waiting: Array<() => void> = [];
    const target = {
      maxPartitionsPerInsert: 100,
      deduplicates,
      async insertRowBinary(_codec: unknown, chunks: readonly Uint8Array[]): Promise<void> {
        running++;
        most = Math.max(most, running);
        inserts.push(chunks.flatMap((c) => decodeRows(withIdentity, c).map((r: IdentityRow) => r.Key)));
        await new Promise<void>((resolve) => waiting.push(resolve));
        running--;
      },
    };
    const batcher = new InsertBatcher(target, withIdentity, { maxRows: 1, maxConcurrentInserts: 2 });
    const time = `${Math.floor(Date.now() / 1000)}.000000000`;
    const done = Promise.all(keys.map((key, i) => batcher.add([{ Timestamp: time, Tag: `t${i}`, Key: '' }], { key })));
    while (waiting.length > 0 || running > 0) {
      await new Promise((r) => setImmediate(r));
      waiting.shift()?.();
    }
    await done;
    return { most, inserts };
  }

  it('writes the request key into each row, and runs batches of different requests maxConcurrentInserts at once', async () => {
    const { most, inserts } = await run(true, ['a', 'b', 'c', 'd']);
    expect(inserts).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(most).toBe(2);
  });

  it('holds back a batch whose request key an insert in progress holds (a retry during its first attempt), and the batches behind it', async () => {
    const { most, inserts } = await run(true, ['a', 'a', 'b', 'c']);
    // The second `a` waits for the first; `b` and `c` keep their order behind it.
    expect(inserts).toEqual([['a'], ['a'], ['b'], ['c']]);
    expect(most).toBe(2);
    const serial = await run(true, ['a', 'a', 'a', 'a']);
    expect(serial.most).toBe(1);
    // A store that does not check for duplicates (server mode) gains nothing from waiting.
    expect((await run(false, ['a', 'a', 'a', 'a'])).most).toBe(2);
  });

  it('numbers the rows of each add (one request) from 0, in order, for a table whose identity is the request and a row number', async () => {
    const numbered = defineTable(
      'batcher_numbered',
      { Timestamp: column(DateTime64Nanos), Body: column(Str), Key: stamped(Str, ''), Row: stamped(UInt32, 0) },
      { engine: 'MergeTree', orderBy: 'Body', identity: { columns: ['Key', 'Row'], time: 'Timestamp', request: 'Key', row: 'Row' } },
    );
    const stored: Array<RowType<typeof numbered>> = [];
    const target = {
      maxPartitionsPerInsert: 100,
      deduplicates: true,
      async insertRowBinary(_codec: unknown, chunks: readonly Uint8Array[]): Promise<void> {
        for (const c of chunks) stored.push(...decodeRows(numbered, c));
      },
    };
    const batcher = new InsertBatcher(target, numbered, { maxDelayMs: 1 });
    const time = `${Math.floor(Date.now() / 1000)}.000000000`;
    const rows = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ Timestamp: time, Body: `${tag}${i}` }));
    await Promise.all([batcher.add(rows('a', 3), { key: 'ka' }), batcher.add(rows('b', 2), { key: 'kb' }), batcher.add(rows('c', 2))]);
    expect(stored.map((r) => `${r.Body} ${r.Key} ${r.Row}`)).toEqual(['a0 ka 0', 'a1 ka 1', 'a2 ka 2', 'b0 kb 0', 'b1 kb 1', 'c0  0', 'c1  1']);
  });
});
