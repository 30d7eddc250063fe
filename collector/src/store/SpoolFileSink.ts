import { mkdirSync, rmSync } from 'node:fs';
import { open, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { columnList, firstOf, identityKey, millis, partitionsSetting, quoteIdentifier, structureOf, type InsertSink } from './InsertSink.js';
import type { InsertOptions } from './InsertTarget.js';
import type { RowCodec } from './schema/TableDefinition.js';

/** Folder of the data directory holding `RowBinary` payloads while the engine reads them. */
export const INSERT_SPOOL_DIR = 'insert-spool';

/**
 * The embedded engine's sink: chDB's in-memory insert takes text formats only, and parsing JSON
 * costs it about 3x the CPU of RowBinary (test/bench/insert-format.bench.js), so the bytes go to
 * a spool file that the engine reads with `file()` in an `INSERT ... SELECT`.
 *
 * A file is emptied once its insert has stored its rows, and the next insert overwrites it: the
 * engine already creates and removes a dozen files or more per insert (its parts), and each
 * creation costs the filesystem more while many files were removed recently (on ext4 without a
 * journal, about 0.5 ms of kernel time each on this machine, against 20 µs otherwise). A file
 * whose insert failed is removed.
 */
export class SpoolFileSink implements InsertSink {
  readonly deduplicates = true;
  readonly #client: ClickHouseClient;
  readonly #dir: string;
  #seq = 0;
  /** Spool files between inserts, emptied, for the next insert to overwrite. */
  readonly #idle: string[] = [];

  /**
   * @param dataDir the engine's data directory; its spool folder is emptied (payloads left by a
   *   process that stopped mid-insert were never acknowledged) and created
   */
  constructor(client: ClickHouseClient, dataDir: string) {
    this.#client = client;
    this.#dir = join(dataDir, INSERT_SPOOL_DIR);
    rmSync(this.#dir, { recursive: true, force: true });
    mkdirSync(this.#dir, { recursive: true });
  }

  async insert(codec: RowCodec<unknown>, chunks: readonly Uint8Array[], options?: InsertOptions): Promise<void> {
    if (chunks.every((c) => c.length === 0)) return;
    const maxPartitions = partitionsSetting(options);
    const file = this.#idle.pop() ?? join(this.#dir, `${process.pid}-${++this.#seq}.rowbinary`);
    let stored = false;
    try {
      const handle = await open(file, 'w');
      try {
        await writeAll(handle, chunks);
      } finally {
        await handle.close();
      }
      // Settings go in the statement (bound as a parameter), never through `clickhouse_settings`,
      // which chDB sends as a SET that its session keeps for every later query.
      await this.#client.command({
        query: `INSERT INTO ${quoteIdentifier(codec.table)} ${columnList(codec)}
          ${maxPartitions === undefined ? '' : 'SETTINGS max_partitions_per_insert_block = {maxPartitions:UInt64}'}
          ${selectRows(codec)}`,
        query_params: {
          file,
          structure: structureOf(codec),
          ...(maxPartitions === undefined ? {} : { maxPartitions }),
          ...(codec.identity ? { margin: IDENTITY_MARGIN_SECONDS } : {}),
        },
      });
      stored = true;
    } finally {
      if (stored && (await emptied(file))) this.#idle.push(file);
      else await unlink(file).catch(() => undefined);
    }
  }

  /** Removes the idle spool files. */
  async close(): Promise<void> {
    for (const file of this.#idle.splice(0)) await unlink(file).catch(() => undefined);
  }
}

/**
 * How far, in seconds, a stored row's event time may lie from the event time of a row of the
 * insert for the duplicate check to find it. A retry re-sends the same event times; records
 * without their own time take the time they are received, so a retry of such a record is found
 * when it comes within this margin of its first attempt (between 10 and 20 minutes).
 */
export const IDENTITY_MARGIN_SECONDS = 600;

/**
 * The `SELECT` of an insert from the spool file: every row; for a table with an identity, only
 * the first row of each identity that is not stored yet by a request of the same key (an
 * anti-join on the identity columns; rows without a request key are checked within the insert
 * only, and numbered rows without one not at all). A retry re-sends the request it repeats (same key), so its rows are found among the
 * stored rows of the insert's request keys, which the key's bloom filter finds without reading
 * the granules of other requests: the check costs about the same however many rows were stored
 * around the insert's times. Matching the identity among all stored rows instead read every
 * stored row near the insert's times (a bloom filter on the id skips nothing for thousands of
 * ids), so each insert cost more as the table grew: with 600,000 rows stored within the margin,
 * 20,000 rows took 0.96 s to check.
 *
 * The stored rows looked up are also bounded by the insert's own event times, whatever is
 * stored and however old one of its rows is (batches merge clients):
 * - between its earliest time minus the margin and its latest plus the margin (the parts' and
 *   granules' time ranges skip the rest),
 * - in the day partitions of its rows' times and the days beside them (a batch holding one record
 *   a year old reads those days, not the year; for a table partitioned by its time in seconds,
 *   `RowIdentity.seconds`, by the days of that column),
 * - within ±1 bucket of `margin` seconds of one of its rows' times (the sorting key's time skips
 *   the granules between two distant times of the batch).
 */
export function selectRows(codec: RowCodec<unknown>): string {
  const source = `file({file:String}, 'RowBinary', {structure:String})`;
  const id = codec.identity;
  if (!id) return `SELECT * FROM ${source}`;
  const key = identityKey(id);
  const time = quoteIdentifier(id.time);
  const request = quoteIdentifier(id.request);
  // In milliseconds (Int64): a time near the end of DateTime64's range plus the margin would overflow it.
  const ms = millis(id);
  const margin = '({margin:UInt32} * 1000)';
  const bucket = `intDiv(${ms}, ${margin})`;
  const day = `toDate(${time})`;
  // The day of the stored seconds column, computed as the engine computed it for the stored rows.
  const secondsDay = `toDate(toDateTime(${time}))`;
  // One pass over the spool file gives the bounds (the engine evaluates a scalar subquery once,
  // however often it appears): earliest - margin, latest + margin, the days (with the days on
  // either side, which the margin may reach), the buckets (with their neighbours), the request keys,
  // and the days of the seconds column if any.
  const bounds = `(SELECT (
              min(${ms}) - ${margin},
              max(${ms}) + ${margin},
              arrayDistinct(arrayFlatten(groupUniqArray([${day} - 1, ${day}, ${day} + 1]))),
              arrayDistinct(arrayFlatten(groupUniqArray([${bucket} - 1, ${bucket}, ${bucket} + 1]))),
              groupUniqArrayIf(${request}, ${request} != '')${
                id.seconds === undefined ? '' : `,
              arrayDistinct(arrayFlatten(groupUniqArray([${secondsDay} - 1, ${secondsDay}, ${secondsDay} + 1])))`
              }) FROM ${source})`;
  return `SELECT * FROM ${source}
          WHERE ${key} NOT IN (
            SELECT ${key} FROM ${quoteIdentifier(codec.table)}
            WHERE ${request} IN tupleElement(${bounds}, 5)
              AND ${ms} >= tupleElement(${bounds}, 1)
              AND ${ms} <= tupleElement(${bounds}, 2)
              AND ${day} IN tupleElement(${bounds}, 3)
              AND ${bucket} IN tupleElement(${bounds}, 4)
              ${id.seconds === undefined ? '' : `AND toDate(${quoteIdentifier(id.seconds)}) IN tupleElement(${bounds}, 6)`})
          LIMIT 1 BY ${firstOf(id)}`;
}

/** Truncates a spool file to nothing (keeping it); false when that failed. */
async function emptied(file: string): Promise<boolean> {
  try {
    await truncate(file, 0);
    return true;
  } catch {
    return false;
  }
}

/** What {@link writeAll} needs of a file handle (`FileHandle`). */
export interface WritableHandle {
  writev(buffers: Uint8Array[]): Promise<{ bytesWritten: number }>;
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
}

/**
 * Writes every byte of `chunks`, or throws. One `writev` call may write fewer bytes than given
 * without an error (a disk filling up: the system writes what fits): the rest is written again
 * until it is all there, and a write that still finds no room throws the system's `ENOSPC`. A
 * short spool file read by the engine failed as a parse error of the rows (400, "Cannot read all
 * data ... in file/uri ...insert-spool"), in the disk-full scenario, instead of the full disk's 503.
 */
export async function writeAll(handle: WritableHandle, chunks: readonly Uint8Array[]): Promise<void> {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const { bytesWritten } = await handle.writev(chunks as Uint8Array[]);
  if (bytesWritten >= total) return;
  // Rare: copy what is left into one buffer and write it until done.
  const rest = Buffer.concat(chunks as Uint8Array[], total).subarray(bytesWritten);
  for (let offset = 0; offset < rest.length; ) {
    const { bytesWritten: n } = await handle.write(rest, offset, rest.length - offset);
    if (n === 0) throw Object.assign(new Error(`the spool file was written short (${bytesWritten + offset} of ${total} bytes): no space left on device`), { code: 'ENOSPC' });
    offset += n;
  }
}
