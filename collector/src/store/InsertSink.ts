import type { InsertOptions } from './InsertTarget.js';
import type { RowCodec, RowIdentity } from './schema/TableDefinition.js';

/**
 * Where rows go once serialised. Every insert of the collector is RowBinary (one encoding of a
 * table's rows, derived from its definition, whoever makes the bytes: a codec or a transcoder);
 * a sink only moves the bytes into the engine. Chosen once, where the store is opened:
 * `SpoolFileSink` for embedded chDB, `HttpSink` for a ClickHouse server. Nothing else asks
 * which one it has.
 */
export interface InsertSink {
  /**
   * Inserts the concatenation of `chunks`, rows in RowBinary in `codec`'s columns; resolves once
   * the engine has stored them. Rejects with the engine's or the transport's own error (the store
   * wraps it).
   * @param options settings of this insert only (never of the connection or session)
   */
  insert(codec: RowCodec<unknown>, chunks: readonly Uint8Array[], options?: InsertOptions): Promise<void>;
  /** Whether an insert of a table with an identity stores only the rows not stored yet (see `RowIdentity`). */
  readonly deduplicates: boolean;
  /** Releases what the sink holds (the client itself is closed by the store). */
  close(): Promise<void>;
}

/** `max_partitions_per_insert_block` of an insert's options, when set (a non-negative integer). */
export function partitionsSetting(options: InsertOptions | undefined): number | undefined {
  const n = options?.maxPartitionsPerInsert;
  if (n === undefined) return undefined;
  // A caller's bug, not the store's: never a StoreError (which tells clients to retry).
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`max_partitions_per_insert_block: expected a non-negative integer, got ${n}`);
  return n;
}

/** Quotes a ClickHouse identifier with backticks. Only for names from definitions or configuration, never for values. */
export function quoteIdentifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** `(`a`, `b`)`: an insert's column list. */
export function columnList(codec: RowCodec<unknown>): string {
  return `(${codec.columns.map(quoteIdentifier).join(', ')})`;
}

/** The structure (`name Type, ...`) of a codec's RowBinary columns, for `file()` and `input()`. */
export function structureOf(codec: RowCodec<unknown>): string {
  return codec.wireColumns.map(([name, type]) => `${quoteIdentifier(name)} ${type}`).join(', ');
}

/** A row identity's time in Unix milliseconds (Int64), from `DateTime64` or whole-second `DateTime`. */
export function millis(id: RowIdentity): string {
  const time = quoteIdentifier(id.time);
  return id.timeType === 'DateTime' ? `(toInt64(toUnixTimestamp(${time})) * 1000)` : `toUnixTimestamp64Milli(${time})`;
}

/**
 * What `LIMIT 1 BY` keeps one row of: the identity; for numbered rows (`RowIdentity.row`),
 * which have no identity without a request key, each row without one stands for itself.
 */
export function firstOf(id: RowIdentity): string {
  const key = identityKey(id);
  return id.row === undefined ? key : `${key}, if(${quoteIdentifier(id.request)} = '', rowNumberInAllBlocks(), 0)`;
}

/** A row identity's columns as one tuple, `(a, b)`: what the duplicate check compares. */
export function identityKey(id: RowIdentity): string {
  return `(${id.columns.map(quoteIdentifier).join(', ')})`;
}
