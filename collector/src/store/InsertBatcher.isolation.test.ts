import { describe, expect, it } from 'vitest';
import { RowsRefusedError, StoreError, StoreInsertError } from '../errors.js';
import { InsertBatcher } from './InsertBatcher.js';
import type { InsertOptions, InsertTarget } from './InsertTarget.js';
import { decodeRows, type RowCodec } from './schema/TableDefinition.js';

// The batcher's isolation logic over a fake store (pure logic; the real engine's side is in
// InsertBatcher.test.ts): which chunks share an insert, with which settings, and who gets
// which answer when an insert fails.

/** A row: an id, the UTC day of its partition, and whether the fake engine refuses it. */
interface Row {
  id: string;
  day?: number;
  bad?: boolean;
}

/** A bad row's id carries `BAD:`, which the fake engine refuses. */
const CODEC: RowCodec<Row> = {
  table: 'rows',
  columns: ['Id', 'Day'],
  wireColumns: [['Id', 'String'], ['Day', 'UInt32']],
  write: (w, r) => {
    w.string(r.bad ? `BAD:${r.id}` : r.id);
    w.uint32(r.day ?? 0);
  },
  read: (r) => ({ id: r.string(), day: r.uint32() }),
  partitionDay: (r) => r.day ?? 0,
};
const UNPARTITIONED: RowCodec<Row> = { ...CODEC, partitionDay: undefined };

/** What the fake engine was asked to insert. */
interface Insert {
  ids: string[];
  /** Distinct UTC days of the rows. */
  days: number;
  options: InsertOptions | undefined;
  ok: boolean;
}

/** An engine error as @clickhouse/client hands it over, wrapped by the store. */
function engineError(message: string, code: number, type: string): StoreError {
  return new StoreError(`insert into rows failed: ${message}`, Object.assign(new Error(`${message} (${type})`), { code: String(code), type }));
}

class FakeTarget implements InsertTarget {
  readonly inserts: Insert[] = [];
  /** The error an insert holding a bad row fails with. */
  badRowError: () => unknown = () => engineError('Cannot parse input: expected \'"\' before: \'BAD\'', 27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED');
  /** When set, every insert fails with it. */
  everyInsertFails: (() => unknown) | undefined;

  constructor(readonly maxPartitionsPerInsert = 100) {}

  async insertRowBinary<R>(codec: RowCodec<R>, chunks: readonly Uint8Array[], options?: InsertOptions): Promise<void> {
    const rows = chunks.flatMap((c) => decodeRows(codec as unknown as RowCodec<Row>, c));
    const ids = rows.map((r) => r.id);
    const failure = this.everyInsertFails ?? (ids.some((id) => id.startsWith('BAD:')) ? this.badRowError : undefined);
    this.inserts.push({ ids, days: new Set(rows.map((r) => r.day)).size, options, ok: failure === undefined });
    await Promise.resolve();
    if (failure) throw failure();
  }
}

/** `count` rows of request `name`, on consecutive UTC days from `firstDay`. */
function request(name: string, count: number, firstDay = 20_000, bad = false): Row[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${name}-${i}`, day: firstDay + i, ...(bad && i === 0 ? { bad } : {}) }));
}

/** Each promise's outcome: 'ok', or the rejection's class name and HTTP status. */
async function outcomes(promises: Array<Promise<void>>): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === 'fulfilled' ? 'ok' : `${(s.reason as Error).constructor.name} ${(s.reason as StoreError).statusCode}`));
}

/** Requests whose rows went in together, by insert: `[['a', 'b'], ['c']]`. */
function requestsByInsert(target: FakeTarget, onlySucceeded = true): string[][] {
  return target.inserts
    .filter((i) => i.ok || !onlySucceeded)
    .map((i) => [...new Set(i.ids.map((id) => id.replace(/^BAD:/, '').split('-')[0]!))]);
}

describe('InsertBatcher keeps each shared insert within the engine\'s partition limit', () => {
  it('coalesces requests of few days into one insert, as before', async () => {
    const target = new FakeTarget(100);
    const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 5 });
    const adds = ['a', 'b', 'c', 'd'].map((name, i) => batcher.add(request(name, 3, 20_000 + i)));
    expect(await outcomes(adds)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(requestsByInsert(target)).toEqual([['a', 'b', 'c', 'd']]);
    expect(target.inserts[0]!.options).toBeUndefined();
  });

  it('starts a new insert when the next request would take the days of one over half the limit', async () => {
    // Limit 100: a shared insert holds at most 50 UTC days (each may be two days of the engine's time zone).
    const target = new FakeTarget(100);
    const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 5 });
    const adds = [
      batcher.add(request('a', 40, 20_000)),
      batcher.add(request('b', 10, 20_040)), // a + b: 50 days, still one insert
      batcher.add(request('c', 40, 20_100)), // would make 90: a new insert
      batcher.add(request('d', 5, 20_100)), // days c already holds: joins it
      batcher.add(request('e', 3, 20_000)), // 3 days c lacks: 43, joins it
    ];
    expect(await outcomes(adds)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(requestsByInsert(target)).toEqual([['a', 'b'], ['c', 'd', 'e']]);
    expect(target.inserts.map((i) => i.days)).toEqual([50, 43]);
    expect(target.inserts.every((i) => i.options === undefined)).toBe(true);
  });

  it('never merges queued batches beyond the days limit while the insert slots are busy', async () => {
    const target = new FakeTarget(100);
    const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 1, maxConcurrentInserts: 1 });
    // Three 40-day backfills and normal traffic, arriving together: each backfill needs its own insert.
    const adds = [
      batcher.add(request('a', 40, 20_000)),
      batcher.add(request('b', 40, 20_040)),
      batcher.add(request('c', 40, 20_080)),
      ...Array.from({ length: 10 }, (_, i) => batcher.add(request(`n${i}`, 2, 20_500))),
    ];
    expect((await outcomes(adds)).every((o) => o === 'ok')).toBe(true);
    // c and the normal requests would have joined b, queued behind a, had they not made 82 days.
    expect(requestsByInsert(target)).toEqual([['a'], ['b'], ['c', ...Array.from({ length: 10 }, (_, i) => `n${i}`)]]);
    expect(target.inserts.map((i) => i.days)).toEqual([40, 40, 42]);
  });

  it('inserts a request of more days than a shared insert may hold on its own, with the limit raised for that insert only', async () => {
    const target = new FakeTarget(100);
    const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 5 });
    const normal = Array.from({ length: 20 }, (_, i) => batcher.add(request(`n${i}`, 1, 20_600)));
    const backfill = batcher.add(request('backfill', 150, 20_000));
    const wide = batcher.add(request('wide', 51, 20_000)); // one over the 50 a shared insert may hold
    expect(await outcomes([...normal, backfill, wide])).toEqual(Array(22).fill('ok'));
    const own = target.inserts.filter((i) => i.options !== undefined);
    expect(own.map((i) => [requestsByInsert({ inserts: [i] } as FakeTarget)[0], i.options])).toEqual([
      [['backfill'], { maxPartitionsPerInsert: 300 }],
      [['wide'], { maxPartitionsPerInsert: 102 }],
    ]);
    // The normal requests still share one insert, without settings.
    expect(target.inserts.filter((i) => i.options === undefined).map((i) => i.ids.length)).toEqual([20]);
  });

  it('takes the engine\'s own limit: none when it is 0, a lower one when it is set lower', async () => {
    const unlimited = new FakeTarget(0);
    const free = new InsertBatcher(unlimited, CODEC, { maxDelayMs: 5 });
    expect(await outcomes([free.add(request('a', 400)), free.add(request('b', 400, 21_000))])).toEqual(['ok', 'ok']);
    expect(requestsByInsert(unlimited)).toEqual([['a', 'b']]);
    expect(unlimited.inserts[0]!.options).toBeUndefined();

    const strict = new FakeTarget(10); // 5 UTC days per shared insert
    const batcher = new InsertBatcher(strict, CODEC, { maxDelayMs: 5 });
    expect(await outcomes([batcher.add(request('a', 3)), batcher.add(request('b', 3, 20_010)), batcher.add(request('c', 6, 20_020))])).toEqual(['ok', 'ok', 'ok']);
    expect(strict.inserts.map((i) => [requestsByInsert({ inserts: [i] } as FakeTarget)[0], i.options])).toEqual([
      [['a'], undefined],
      [['c'], { maxPartitionsPerInsert: 12 }],
      [['b'], undefined],
    ]);
  });

  it('coalesces rows of a table without day partitions whatever their times', async () => {
    const target = new FakeTarget(100);
    const batcher = new InsertBatcher(target, UNPARTITIONED, { maxDelayMs: 5 });
    expect(await outcomes([batcher.add(request('a', 150)), batcher.add(request('b', 150, 30_000))])).toEqual(['ok', 'ok']);
    expect(requestsByInsert(target)).toEqual([['a', 'b']]);
  });

  it('requires the days of pre-serialised rows for a table partitioned by day', () => {
    const batcher = new InsertBatcher(new FakeTarget(100), CODEC);
    expect(() => batcher.addRowBinary(Buffer.from('x'), 1)).toThrow(/rows partitioned by day need their days/);
  });
});

describe('InsertBatcher answers only the request at fault when a shared insert fails for its content', () => {
  it('stores every other request of the batch and refuses the bad one with 400, in a logarithmic number of inserts', async () => {
    const target = new FakeTarget();
    const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 5 });
    const names = Array.from({ length: 16 }, (_, i) => `r${i}`);
    const adds = names.map((name, i) => batcher.add(request(name, 2, 20_000, i === 11)));
    const results = await outcomes(adds);
    expect(results).toEqual(names.map((_, i) => (i === 11 ? 'RowsRefusedError 400' : 'ok')));
    // 1 shared insert + two halves per level down to the bad chunk: 1 + 2 * log2(16).
    expect(target.inserts).toHaveLength(9);
    expect(requestsByInsert(target).flat().sort()).toEqual(names.filter((n) => n !== 'r11').sort());
    expect(batcher.stats()).toMatchObject({ inserts: 4, insertedRows: 30, failedInserts: 5, pendingRows: 0 });
    const err = await adds[11]!.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RowsRefusedError);
    expect(err).toMatchObject({
      code: 'INGEST_ROWS_REFUSED',
      clickhouseCode: '27',
      clickhouseType: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
      retryAfterSeconds: undefined,
      message: expect.stringMatching(/^the store refused this request's rows for rows: Cannot parse input/),
    });
  });

  it('isolates two bad requests in different halves', async () => {
    const target = new FakeTarget();
    const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 5 });
    const adds = Array.from({ length: 8 }, (_, i) => batcher.add(request(`r${i}`, 1, 20_000, i === 1 || i === 6)));
    expect(await outcomes(adds)).toEqual(['ok', 'RowsRefusedError 400', 'ok', 'ok', 'ok', 'ok', 'RowsRefusedError 400', 'ok']);
  });

  it('refuses a request alone in its insert with 400 on a content error (too many partitions)', async () => {
    const target = new FakeTarget();
    target.badRowError = () => engineError('Too many partitions for single INSERT block (more than 100).', 252, 'TOO_MANY_PARTS');
    const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 5 });
    expect(await outcomes([batcher.add(request('a', 1, 20_000, true))])).toEqual(['RowsRefusedError 400']);
    expect(target.inserts).toHaveLength(1);
  });

  it('fails the whole batch with 503 and Retry-After, without splitting, when the store is over capacity or unavailable', async () => {
    for (const failure of [
      () => engineError('Too many parts (3001) in table default.rows. Merges are processing significantly slower than inserts', 252, 'TOO_MANY_PARTS'),
      () => engineError('Memory limit (total) exceeded', 241, 'MEMORY_LIMIT_EXCEEDED'),
      () => engineError('Cannot reserve 1.00 MiB, not enough space', 243, 'NOT_ENOUGH_SPACE'),
      () => new StoreError('insert into rows failed: connect ECONNREFUSED 127.0.0.1:8123', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      () => new StoreError('insert into rows failed: Timeout error.', new Error('Timeout error.')),
    ]) {
      const target = new FakeTarget();
      target.everyInsertFails = failure;
      const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 5 });
      const adds = Array.from({ length: 8 }, (_, i) => batcher.add(request(`r${i}`, 1)));
      expect(await outcomes(adds), String(failure().message)).toEqual(Array(8).fill('StoreError 503'));
      expect(target.inserts).toHaveLength(1);
      expect(await adds[0]!.catch((e: unknown) => e)).toMatchObject({ code: 'STORE_FAILED', retryAfterSeconds: 2 });
    }
  });

  it('answers 500 without Retry-After for a failure it cannot classify, once the chunk is alone', async () => {
    const target = new FakeTarget();
    target.everyInsertFails = () => engineError('Table default.rows does not exist', 60, 'UNKNOWN_TABLE');
    const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 5 });
    const adds = Array.from({ length: 4 }, (_, i) => batcher.add(request(`r${i}`, 1)));
    expect(await outcomes(adds)).toEqual(Array(4).fill('StoreInsertError 500'));
    const err = (await adds[0]!.catch((e: unknown) => e)) as StoreInsertError;
    expect(err).toMatchObject({ code: 'STORE_INSERT_FAILED', clickhouseType: 'UNKNOWN_TABLE', retryAfterSeconds: undefined });
    // Split down to single chunks (an unclassified error may still be one request's content): 1 + 2 + 4.
    expect(target.inserts).toHaveLength(7);
  });

  it('answers 503 to the part of a split batch that meets an unavailable store, and stores the rest', async () => {
    const target = new FakeTarget();
    let calls = 0;
    const original = target.insertRowBinary.bind(target);
    target.insertRowBinary = async (codec, chunks, options) => {
      calls++;
      // The shared insert fails for a bad row; the first half then meets a full disk.
      if (calls === 2) {
        target.inserts.push({ ids: [], days: 0, options, ok: false });
        throw engineError('Cannot reserve 1.00 MiB, not enough space', 243, 'NOT_ENOUGH_SPACE');
      }
      return original(codec, chunks, options);
    };
    const batcher = new InsertBatcher(target, CODEC, { maxDelayMs: 5 });
    const adds = Array.from({ length: 4 }, (_, i) => batcher.add(request(`r${i}`, 1, 20_000, i === 3)));
    expect(await outcomes(adds)).toEqual(['StoreError 503', 'StoreError 503', 'ok', 'RowsRefusedError 400']);
  });
});
