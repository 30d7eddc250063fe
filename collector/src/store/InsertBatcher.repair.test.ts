import { describe, expect, it } from 'vitest';
import { StoreError, StoreInsertError } from '../errors.js';
import { InsertBatcher } from './InsertBatcher.js';
import type { InsertTarget } from './InsertTarget.js';
import type { RowCodec } from './schema/TableDefinition.js';
import { ID_CODEC, insertedIds, type IdRow } from './testing/id-rows.js';

// The batcher's handling of a damaged part over a fake store (pure logic; the real engine's
// side is in damaged-part.test.ts): who gets which answer, that no insert runs while the table
// is repaired, and when a table is not repaired again.

/** An engine error as @clickhouse/client hands it over, wrapped by the store. */
function engineError(message: string, code: number, type: string): StoreError {
  return new StoreError(`insert into rows failed: ${message}`, Object.assign(new Error(`${message} (${type})`), { code: String(code), type }));
}

const damaged = () => engineError("Empty marks file '/data/store/abc/20261207_1_6_1/skp_idx_idx_ingest_key.cmrk4': 0, must be: 24", 246, 'CORRUPTED_DATA');
const missingTable = () => engineError('Table default.rows does not exist', 60, 'UNKNOWN_TABLE');

/** What happened, in order: inserts (their ids, ok or not) and repairs. */
type Event = { insert: string[]; ok: boolean } | { repair: 'start' | 'end' | 'failed' };

class FakeTarget implements InsertTarget {
  readonly maxPartitionsPerInsert = 100;
  readonly events: Event[] = [];
  /** Errors the next inserts fail with, in order; an insert succeeds once none is left. */
  readonly failures: Array<() => unknown> = [];
  /** Errors the next repairs fail with, in order. */
  readonly repairFailures: Array<() => unknown> = [];
  /** Inserts running now, and the most that ran while a repair did. */
  running = 0;
  repairing = false;
  insertsDuringRepair = 0;
  /** Settles a repair: call it to let the current one finish. */
  finishRepair: (() => void) | undefined;
  readonly repairTable: ((table: string) => Promise<void>) | undefined;

  constructor(repairs = true) {
    this.repairTable = repairs
      ? async () => {
          this.events.push({ repair: 'start' });
          this.repairing = true;
          await new Promise<void>((resolve) => (this.finishRepair = resolve));
          this.repairing = false;
          const failure = this.repairFailures.shift();
          this.events.push({ repair: failure ? 'failed' : 'end' });
          if (failure) throw failure();
        }
      : undefined;
  }

  async insertRowBinary<R>(_codec: RowCodec<R>, chunks: readonly Uint8Array[]): Promise<void> {
    const ids = insertedIds(chunks);
    if (this.repairing) this.insertsDuringRepair++;
    this.running++;
    const failure = this.failures.shift();
    await new Promise((resolve) => setImmediate(resolve));
    this.running--;
    this.events.push({ insert: ids, ok: failure === undefined });
    if (failure) throw failure();
  }
}

/** Each promise's outcome: 'ok', or the rejection's class name and HTTP status. */
async function outcomes(promises: Array<Promise<void>>): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === 'fulfilled' ? 'ok' : `${(s.reason as Error).constructor.name} ${(s.reason as StoreError).statusCode}`));
}

/** Resolves once `check` holds, polling each turn of the event loop; fails after `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('InsertBatcher and a damaged part', () => {
  it('refuses the batch with a 503 saying so, repairs the table once no insert runs, then inserts again', async () => {
    const target = new FakeTarget();
    target.failures.push(damaged);
    const repairs: Array<{ table: string; err: unknown }> = [];
    const batcher = new InsertBatcher(target, ID_CODEC, { maxDelayMs: 1, maxRows: 2 }, { onRepair: (table, err) => repairs.push({ table, err }) });
    const first = batcher.add([{ id: 'a1' }, { id: 'a2' }]);
    const firstOutcome = outcomes([first]);
    await until(() => target.finishRepair !== undefined);
    // While the table is repaired, new rows wait: no insert starts.
    const second = batcher.add([{ id: 'b1' }, { id: 'b2' }]);
    const third = batcher.add([{ id: 'c1' }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(target.events).toEqual([{ insert: ['a1', 'a2'], ok: false }, { repair: 'start' }]);
    target.finishRepair!();
    expect(await firstOutcome).toEqual(['StoreError 503']);
    const err = await first.catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^insert into rows failed: Empty marks file .*damaged on disk and the collector is repairing it.*Retry-After/);
    expect(await outcomes([second, third])).toEqual(['ok', 'ok']);
    expect(target.insertsDuringRepair).toBe(0);
    expect(target.events.slice(1, 3)).toEqual([{ repair: 'start' }, { repair: 'end' }]);
    expect(target.events.slice(3).every((e) => 'insert' in e && e.ok)).toBe(true);
    expect(repairs).toEqual([{ table: 'rows', err: undefined }]);
  });

  it('waits for the inserts in progress before it repairs, and answers every batch that found the damage with a 503', async () => {
    const target = new FakeTarget();
    target.failures.push(damaged, damaged);
    const batcher = new InsertBatcher(target, ID_CODEC, { maxDelayMs: 1, maxRows: 1, maxConcurrentInserts: 2 });
    const adds = [batcher.add([{ id: 'a' }]), batcher.add([{ id: 'b' }])];
    const settled = outcomes(adds);
    await until(() => target.finishRepair !== undefined);
    expect(target.running).toBe(0);
    target.finishRepair!();
    expect(await settled).toEqual(['StoreError 503', 'StoreError 503']);
    // Both failures asked for one repair.
    expect(target.events.filter((e) => 'repair' in e)).toEqual([{ repair: 'start' }, { repair: 'end' }]);
    await batcher.close();
  });

  it('a batch of several requests is refused whole, not split in halves (the damage is not in the rows)', async () => {
    const target = new FakeTarget();
    target.failures.push(damaged);
    const batcher = new InsertBatcher(target, ID_CODEC, { maxDelayMs: 5, maxRows: 100 });
    const adds = [batcher.add([{ id: 'a' }]), batcher.add([{ id: 'b' }]), batcher.add([{ id: 'c' }])];
    const settled = outcomes(adds);
    await until(() => target.finishRepair !== undefined);
    target.finishRepair!();
    expect(await settled).toEqual(['StoreError 503', 'StoreError 503', 'StoreError 503']);
    expect(target.events.filter((e) => 'insert' in e)).toHaveLength(1);
  });

  it('does not repair again when the damage outlives a repair: 500 until an insert stores rows', async () => {
    const target = new FakeTarget();
    target.failures.push(damaged, damaged, damaged);
    const batcher = new InsertBatcher(target, ID_CODEC, { maxDelayMs: 1 });
    const first = outcomes([batcher.add([{ id: 'a' }])]);
    await until(() => target.finishRepair !== undefined);
    target.finishRepair!();
    expect(await first).toEqual(['StoreError 503']);
    // Damaged again right after the repair, nothing stored in between: no second repair.
    expect(await outcomes([batcher.add([{ id: 'b' }])])).toEqual(['StoreInsertError 500']);
    const err = await batcher.add([{ id: 'c' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreInsertError);
    expect((err as Error).message).toMatch(/Empty marks file .*this is not a capacity problem/);
    expect(target.events.filter((e) => 'repair' in e)).toHaveLength(2);
    expect(await outcomes([batcher.add([{ id: 'd' }])])).toEqual(['ok']);
  });

  it('after a failed repair, the next failed insert (the table may be left detached) asks for another repair', async () => {
    const target = new FakeTarget();
    target.failures.push(damaged, missingTable);
    target.repairFailures.push(() => new Error('DETACH TABLE timed out'));
    const repairs: unknown[] = [];
    const batcher = new InsertBatcher(target, ID_CODEC, { maxDelayMs: 1 }, { onRepair: (_table, err) => repairs.push(err) });
    const first = outcomes([batcher.add([{ id: 'a' }])]);
    await until(() => target.finishRepair !== undefined);
    target.finishRepair!();
    expect(await first).toEqual(['StoreError 503']);
    target.finishRepair = undefined;
    const second = outcomes([batcher.add([{ id: 'b' }])]);
    await until(() => target.finishRepair !== undefined);
    target.finishRepair!();
    expect(await second).toEqual(['StoreError 503']);
    await until(() => repairs.length === 2);
    expect(repairs.map((e) => (e === undefined ? 'repaired' : (e as Error).message))).toEqual(['DETACH TABLE timed out', 'repaired']);
    expect(await outcomes([batcher.add([{ id: 'c' }])])).toEqual(['ok']);
  });

  it('a store that does not repair its tables answers a damaged part with a 500, as any unknown failure', async () => {
    const target = new FakeTarget(false);
    target.failures.push(damaged);
    const batcher = new InsertBatcher(target, ID_CODEC, { maxDelayMs: 1 });
    expect(await outcomes([batcher.add([{ id: 'a' }])])).toEqual(['StoreInsertError 500']);
    expect(target.events).toEqual([{ insert: ['a'], ok: false }]);
  });

  it('close() waits for a repair in progress and the batches it held back', async () => {
    const target = new FakeTarget();
    target.failures.push(damaged);
    const batcher = new InsertBatcher(target, ID_CODEC, { maxDelayMs: 1 });
    const first = outcomes([batcher.add([{ id: 'a' }])]);
    await until(() => target.finishRepair !== undefined);
    const held = outcomes([batcher.add([{ id: 'b' }])]);
    let closed = false;
    const closing = batcher.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    target.finishRepair!();
    await closing;
    expect(await first).toEqual(['StoreError 503']);
    expect(await held).toEqual(['ok']);
  });
});
