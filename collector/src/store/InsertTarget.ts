import type { TableCodec } from './tables.js';

/** Per-insert settings of {@link InsertTarget.insertEncoded}; they apply to that insert only. */
export interface InsertOptions {
  /**
   * ClickHouse's `max_partitions_per_insert_block` for this insert, for rows known to span
   * more partitions than the engine's own limit allows ({@link InsertTarget.maxPartitionsPerInsert}).
   */
  maxPartitionsPerInsert?: number;
}

/**
 * What an `InsertBatcher` needs of the store: `ClickHouseStore` in the collector, a fake in
 * the batcher's unit tests.
 */
export interface InsertTarget {
  /** The serialisation {@link encode} makes and {@link insertEncoded} takes. */
  readonly rowFormat: 'RowBinary' | 'JSONCompactEachRow';
  /**
   * The engine's `max_partitions_per_insert_block` (distinct partitions one insert may touch;
   * 0: no limit), read from the engine when the store opens.
   */
  readonly maxPartitionsPerInsert: number;
  /** The table `codec`'s rows are inserted into. */
  tableOf<R>(codec: TableCodec<R>): string;
  /** Serialises rows in {@link rowFormat}. */
  encode<R>(codec: TableCodec<R>, rows: readonly R[], bytesPerRow?: number): Buffer | string;
  /** Inserts the concatenation of `chunks`; resolves once the engine has stored them, rejects with a `StoreError`. */
  insertEncoded<R>(codec: TableCodec<R>, chunks: ReadonlyArray<Buffer | string>, options?: InsertOptions): Promise<void>;
}
