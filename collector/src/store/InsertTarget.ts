import type { RowCodec } from './schema/TableDefinition.js';

/** Per-insert settings of {@link InsertTarget.insertRowBinary}; they apply to that insert only. */
export interface InsertOptions {
  /**
   * ClickHouse's `max_partitions_per_insert_block` for this insert, for rows known to span
   * more partitions than the engine's own limit allows ({@link InsertTarget.maxPartitionsPerInsert}).
   */
  maxPartitionsPerInsert?: number;
  /**
   * For a table with an identity: the request keys its rows carry ('' left out) and the UTC days
   * of their partitions, which a sink that cannot read the rows twice (a server's, reading them
   * from the request body) bounds its duplicate check with.
   */
  identity?: { requestKeys: readonly string[]; days: readonly number[] };
}

/**
 * What an `InsertBatcher` needs of the store: `ClickHouseStore` in the collector, a fake in
 * the batcher's unit tests.
 */
export interface InsertTarget {
  /**
   * The engine's `max_partitions_per_insert_block` (distinct partitions one insert may touch;
   * 0: no limit), read from the engine when the store opens.
   */
  readonly maxPartitionsPerInsert: number;
  /**
   * Inserts the concatenation of `chunks`, RowBinary rows in `codec`'s columns; resolves once the
   * engine has stored them, rejects with a `StoreError`.
   */
  insertRowBinary<R>(codec: RowCodec<R>, chunks: readonly Uint8Array[], options?: InsertOptions): Promise<void>;
  /**
   * Whether an insert of a table with an identity stores only the rows not stored yet; a batcher
   * then holds back a batch that holds a request an insert in progress holds. False when absent.
   */
  readonly deduplicates?: boolean;
  /**
   * Repairs `table` after an insert found a part of it damaged on disk (`classifyInsertFailure`
   * `damaged`), with no insert of it running: resolves once repaired, rejects when the repair
   * failed. Absent (or undefined) for a store that does not repair its tables.
   */
  readonly repairTable?: ((table: string) => Promise<void>) | undefined;
}
