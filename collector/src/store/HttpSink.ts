import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { columnList, partitionsSetting, quoteIdentifier, type InsertSink } from './InsertSink.js';
import type { InsertOptions } from './InsertTarget.js';
import type { RowCodec } from './schema/TableDefinition.js';

/**
 * A ClickHouse server's sink: the RowBinary bytes stream as the body of one HTTP request,
 * `INSERT INTO t (columns) FORMAT RowBinary`; the server parses them by the table's own column
 * types (a `LowCardinality(String)` column reads the bytes of a `String`). Settings are
 * parameters of that request only.
 */
export class HttpSink implements InsertSink {
  /** Rows go in as sent: no duplicate check in server mode yet (docs/ingestion-and-storage.md). */
  readonly deduplicates = false;
  readonly #client: ClickHouseClient;

  constructor(client: ClickHouseClient) {
    this.#client = client;
  }

  async insert(codec: RowCodec<unknown>, chunks: readonly Uint8Array[], options?: InsertOptions): Promise<void> {
    if (chunks.every((c) => c.length === 0)) return;
    const maxPartitions = partitionsSetting(options);
    const result = await this.#client.exec({
      query: `INSERT INTO ${quoteIdentifier(codec.table)} ${columnList(codec)} FORMAT RowBinary`,
      values: Readable.from(chunks, { objectMode: false }),
      ...(maxPartitions === undefined ? {} : { clickhouse_settings: { max_partitions_per_insert_block: String(maxPartitions) } }),
    });
    // The answer of an INSERT is empty; read it, so that the socket goes back to the pool.
    await finished(result.stream.resume());
  }

  async close(): Promise<void> {}
}
