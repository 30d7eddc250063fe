import { describe, expect, it } from 'vitest';
import { SaturatedError } from '../errors.js';
import { InsertBatcher } from './InsertBatcher.js';
import type { InsertTarget } from './InsertTarget.js';
import type { RowCodec } from './schema/TableDefinition.js';
import { ID_CODEC, insertedIds, type IdRow } from './testing/id-rows.js';

// Deadlines of queued rows (limits.maxQueueWaitMs), over a fake store whose inserts end when the
// test says (pure logic; the collector's side is in test/chaos/overload.test.ts).

/** An engine whose inserts wait until {@link release} is called; records the ids of each. */
class GatedTarget implements InsertTarget {
  readonly maxPartitionsPerInsert = 0;
  readonly inserts: string[][] = [];
  #open: Array<() => void> = [];
  started = 0;

  async insertRowBinary<R>(_codec: RowCodec<R>, chunks: readonly Uint8Array[]): Promise<void> {
    this.inserts.push(insertedIds(chunks));
    this.started++;
    await new Promise<void>((resolve) => this.#open.push(resolve));
  }

  /** Ends the oldest insert still running. */
  release(): void {
    this.#open.shift()?.();
  }
}

const rows = (name: string, n: number): IdRow[] => Array.from({ length: n }, (_, i) => ({ id: `${name}-${i}` }));

/** Polls `until` every few ms; fails after 5 s. */
async function waitFor(what: string, until: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!until()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('InsertBatcher deadlines', () => {
  it('holds rows to their deadline once inserts were timed: rows still queued at it are refused, nothing of them stored, the others kept', async () => {
    const target = new GatedTarget();
    const batcher = new InsertBatcher(target, ID_CODEC, { maxDelayMs: 1, maxConcurrentInserts: 1 });
    // Before any insert of 1,000 rows or more was timed, no deadline holds: rows are not thrown away on a guess.
    const untimed = batcher.add(rows('u', 1_000), { deadline: performance.now() + 1 });
    await waitFor('the first insert starts', () => target.started === 1);
    target.release();
    await untimed;
    const first = batcher.add(rows('a', 3));
    await waitFor('the second insert starts', () => target.started === 2);
    // Queued behind it: one with a deadline 200 ms away, one without, one with a distant deadline.
    const late = batcher.add(rows('late', 2), { deadline: performance.now() + 200 });
    const patient = batcher.add(rows('patient', 2));
    const distant = batcher.add(rows('distant', 2), { deadline: performance.now() + 600_000 });
    const refused = await late.then(
      () => 'stored',
      (err: unknown) => err,
    );
    // Answered by its deadline, while the insert ahead of it is still running.
    expect(refused).toBeInstanceOf(SaturatedError);
    expect((refused as SaturatedError).statusCode).toBe(503);
    expect((refused as SaturatedError).message).toMatch(/limits\.maxQueueWaitMs.*nothing of them was stored/);
    expect(target.started).toBe(2);
    expect(batcher.stats().pendingRows).toBe(3 + 2 + 2);
    target.release();
    await first;
    await waitFor('the third insert starts', () => target.started === 3);
    target.release();
    await Promise.all([patient, distant]);
    expect(target.inserts.slice(1)).toEqual([['a-0', 'a-1', 'a-2'], ['patient-0', 'patient-1', 'distant-0', 'distant-1']]);
    expect(batcher.stats()).toMatchObject({ pendingRows: 0, pendingBytes: 0 });
  });

  it('refuses queued rows as soon as their insert, at the rate inserts went, would end after their deadline', async () => {
    const target = new GatedTarget();
    const batcher = new InsertBatcher(target, ID_CODEC, { maxDelayMs: 1, maxConcurrentInserts: 1 });
    // A timed insert of 2,000 rows that takes d ms (at least 200).
    const timed = batcher.add(rows('t', 2_000));
    await waitFor('the timed insert starts', () => target.started === 1);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 200));
    target.release();
    await timed;
    const d = performance.now() - t0;
    // Behind a running insert: 3,000 rows (about 1.5 d to insert) due in 3 d. On time when they
    // arrive; once the running insert has taken more than 1.5 d, they no longer are.
    const blocker = batcher.add(rows('b', 1));
    await waitFor('the blocker starts', () => target.started === 2);
    const enqueued = performance.now();
    const tight = batcher.add(rows('tight', 3_000), { deadline: enqueued + 3 * d });
    await expect(tight).rejects.toBeInstanceOf(SaturatedError);
    expect(target.started).toBe(2);
    // Rows that are late already when they arrive are not refused: their work is done.
    const late = batcher.add(rows('late', 3_000), { deadline: performance.now() + 1 });
    target.release();
    await blocker;
    await waitFor('the late rows start', () => target.started === 3);
    target.release();
    await late;
    expect(target.inserts.flat().some((id) => id.startsWith('tight'))).toBe(false);
    expect(batcher.stats()).toMatchObject({ pendingRows: 0, pendingBytes: 0 });
  });
});
