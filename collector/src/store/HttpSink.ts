import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { columnList, firstOf, identityKey, partitionsSetting, quoteIdentifier, structureOf, type InsertSink } from './InsertSink.js';
import type { InsertOptions } from './InsertTarget.js';
import type { RowCodec, RowIdentity } from './schema/TableDefinition.js';

/**
 * A ClickHouse server's sink: the RowBinary bytes stream as the body of one HTTP request,
 * `INSERT INTO t (columns) FORMAT RowBinary`; the server parses them by the table's own column
 * types (a `LowCardinality(String)` column reads the bytes of a `String`). Settings are
 * parameters of that request only.
 *
 * A table with an identity whose rows carry request keys goes through the same duplicate check
 * as in the embedded store (`SpoolFileSink.selectRows`), reading the rows once, from the body,
 * with `input()`: the stored rows looked up are those of the batch's request keys (their bloom
 * filter) in the day partitions of its rows and the days beside them, which the batcher passes.
 */
export class HttpSink implements InsertSink {
  readonly deduplicates = true;
  readonly #client: ClickHouseClient;

  constructor(client: ClickHouseClient) {
    this.#client = client;
  }

  async insert(codec: RowCodec<unknown>, chunks: readonly Uint8Array[], options?: InsertOptions): Promise<void> {
    if (chunks.every((c) => c.length === 0)) return;
    const maxPartitions = partitionsSetting(options);
    const id = codec.identity;
    const keys = options?.identity?.requestKeys ?? [];
    const checked = id !== undefined && keys.length > 0;
    const result = await this.#client.exec({
      query: checked
        ? `INSERT INTO ${quoteIdentifier(codec.table)} ${columnList(codec)} ${selectNew(codec, id)} FORMAT RowBinary`
        : `INSERT INTO ${quoteIdentifier(codec.table)} ${columnList(codec)} FORMAT RowBinary`,
      values: Readable.from(chunks, { objectMode: false }),
      ...(checked ? { query_params: { structure: structureOf(codec), keys, days: aroundDays(options!.identity!.days) } } : {}),
      ...(maxPartitions === undefined ? {} : { clickhouse_settings: { max_partitions_per_insert_block: String(maxPartitions) } }),
    });
    // The answer of an INSERT is empty; read it, so that the socket goes back to the pool.
    await finished(result.stream.resume());
  }

  async close(): Promise<void> {}
}

/** The `SELECT` of the rows in the body whose identity is not stored yet under one of their request keys (first of each). */
function selectNew(codec: RowCodec<unknown>, id: RowIdentity): string {
  const key = identityKey(id);
  return `SELECT * FROM input({structure:String})
          WHERE ${key} NOT IN (
            SELECT ${key} FROM ${quoteIdentifier(codec.table)}
            WHERE ${quoteIdentifier(id.request)} IN {keys:Array(String)} AND toDate(${quoteIdentifier(id.time)}) IN {days:Array(Date)}
              ${id.seconds === undefined ? '' : `AND toDate(${quoteIdentifier(id.seconds)}) IN {days:Array(Date)}`})
          LIMIT 1 BY ${firstOf(id)}`;
}

/** The dates (`YYYY-MM-DD`) of `days` (UTC day numbers) and of the days beside them, which a retry's receive time may reach. */
function aroundDays(days: readonly number[]): string[] {
  const all = new Set<number>();
  for (const d of days) for (const x of [d - 1, d, d + 1]) all.add(x);
  return [...all].map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));
}
