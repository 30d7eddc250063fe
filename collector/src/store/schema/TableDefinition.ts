import { RowBinaryWriter } from '../row-binary.js';
import type { ColumnType, WriterMethod } from './column-types.js';
import { RowBinaryReader } from './RowBinaryReader.js';

/**
 * One column of a table definition. `Inserted` is false for a column the engine fills (a
 * `DEFAULT` such as `now64(3)` that the collector never sends): it is in the DDL, not in the
 * insert column list nor in the row type.
 */
export interface ColumnDefinition<T = unknown, Inserted extends boolean = boolean> {
  readonly type: ColumnType<T>;
  /** `CODEC(...)` contents, e.g. `Delta(8), ZSTD(1)`. */
  readonly codec?: string;
  /** `DEFAULT` expression. */
  readonly default?: string;
  readonly inserted: Inserted;
  /** A column something else than the collector's inserts fills (a materialized view), or nothing does: neither inserted nor defaulted. */
  readonly external?: boolean;
  /** `ALIAS` expression: a column computed when read, never stored (see {@link alias}). */
  readonly alias?: string;
  /** For a member of a `Nested` column: the group (`Events`) and the member's own name (`Timestamp`). */
  readonly nested?: { readonly group: string; readonly member: string; readonly groupCodec?: string };
  /** For a column the batcher fills (see {@link stamped}): the value written for a row that leaves it out. */
  readonly stamped?: { readonly zero: T };
}

/** A column the collector writes. */
export function column<T>(type: ColumnType<T>, options: { codec?: string; default?: string } = {}): ColumnDefinition<T, true> {
  return { type, ...options, inserted: true };
}

/**
 * A column the collector writes that the rows' producers leave out: the batcher fills it as it
 * takes a request's rows (the request's key, a row's number among them: see `RowIdentity`). It is
 * optional in the row type, so decoders need not know it; a row without it is written with `zero`.
 */
export function stamped<T>(type: ColumnType<T>, zero: T, options: { codec?: string } = {}): ColumnDefinition<T, true> & { readonly stamped: { readonly zero: T } } {
  return { type, ...options, inserted: true, stamped: { zero } };
}

/** A column the engine fills from its `DEFAULT` (never sent by the collector). */
export function generated<T>(type: ColumnType<T>, defaultExpression: string, options: { codec?: string } = {}): ColumnDefinition<T, false> {
  return { type, default: defaultExpression, ...options, inserted: false };
}

/**
 * A column computed from others whenever it is read (`ALIAS`): it takes no disk and is neither
 * inserted nor in the row type; queries and skipping indexes may use it, `SELECT *` does not
 * return it.
 */
export function alias<T>(type: ColumnType<T>, expression: string): ColumnDefinition<T, false> {
  return { type, alias: expression, inserted: false };
}

/** A column of a materialized view's target (an aggregate state): the view writes it, never the collector. */
export function filledByView<T>(type: ColumnType<T>, options: { codec?: string } = {}): ColumnDefinition<T, false> {
  return { type, ...options, inserted: false, external: true };
}

/**
 * A member of a `Nested` column, stored as `group.member` of type `Array(...)`: e.g.
 * `nested('Events', 'Timestamp', ArrayOf.DateTime64Nanos)` for `Events.Timestamp`, whose row
 * field is named after the column definition's key (`EventsTimestamp`). The members of one group
 * are adjacent; `groupCodec` (on any member) is the codec of the whole group.
 */
export function nested<T>(group: string, member: string, type: ColumnType<T>, options: { groupCodec?: string } = {}): ColumnDefinition<T, true> {
  if (!/^Array\(.*\)$/.test(type.sql)) throw new Error(`${group}.${member}: a nested member is an Array, got ${type.sql}`);
  return { type, inserted: true, nested: { group, member, ...options } };
}

/** Columns by row field name, in table order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any column type (ColumnType is invariant in T)
export type ColumnMap = Record<string, ColumnDefinition<any>>;

/**
 * The row a table's inserts take: one field per inserted column, named as the column (or the
 * nested member's key); optional for a {@link stamped} column.
 */
export type RowOf<C extends ColumnMap> = Flat<
  {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ColumnMap
    -readonly [K in keyof C as C[K] extends ColumnDefinition<any, true> ? (C[K] extends { stamped: object } ? never : K) : never]: C[K] extends ColumnDefinition<infer T, true> ? T : never;
  } & {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ColumnMap
    -readonly [K in keyof C as C[K] extends ColumnDefinition<any, true> & { stamped: object } ? K : never]?: C[K] extends ColumnDefinition<infer T, true> ? T : never;
  }
>;

/** One object type of an intersection (what editors and type tests show). */
type Flat<T> = { [K in keyof T]: T[K] };

/** How the table is stored: engine, keys, partitions, skipping indexes, settings. */
export interface TableLayout {
  /** e.g. `MergeTree`, `ReplacingMergeTree(ComputedAt)`, `AggregatingMergeTree`, `Null`. */
  engine: string;
  partitionBy?: string;
  primaryKey?: string;
  orderBy?: string;
  /** `INDEX ...` clauses without the keyword, e.g. `idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1`. */
  indexes?: readonly string[];
  /** `SETTINGS` contents. */
  settings?: string;
  /** Cluster only: the `Distributed` table's sharding key. Default: `rand()`, or the sorting key's hash for engines that merge rows by key. */
  shardingKey?: string;
}

/** The insert side of a table: what a RowBinary payload of its rows holds and how to write one. */
export interface RowCodec<R> {
  /** The table rows are inserted into. */
  readonly table: string;
  /** Columns of the insert, in value order (ClickHouse names: `Events.Timestamp`). */
  readonly columns: readonly string[];
  /** `[column, wire type]` in value order: the `file()` structure of a RowBinary payload. */
  readonly wireColumns: readonly (readonly [name: string, type: string])[];
  /** Appends one row in RowBinary. */
  write(w: RowBinaryWriter, row: R): void;
  /** Reads one row back (tests, fakes). */
  read(r: RowBinaryReader): R;
  /** The UTC day of the row's partition, for a table partitioned by day (`PARTITION BY toDate(...)`); absent otherwise. */
  readonly partitionDay?: (row: R) => number;
  /** What identifies a row, for a table whose inserts store each identity once (see {@link RowIdentity}); absent otherwise. */
  readonly identity?: RowIdentity;
}

/**
 * The columns that identify a row (a prediction's `Project, PredictionId`; a span's `Project,
 * TraceId, SpanId`), its event-time column and the column naming the request that brought it:
 * an insert stores only the rows whose identity is neither stored already by a request with the
 * same key (with an event time near the insert's) nor earlier in the same insert, so a client's
 * retry of a request already stored stores nothing twice (see `SpoolFileSink`).
 */
export interface RowIdentity {
  readonly columns: readonly string[];
  /** An inserted time column; existing rows are looked up around the insert's own event times. */
  readonly time: string;
  /** The SQL type of {@link time} (`DateTime64(9)`, or `DateTime` for whole seconds). */
  readonly timeType: string;
  /**
   * An inserted string column holding the key of the request a row came in (`requestKey`), with
   * a bloom filter index: existing rows are looked up among those of the insert's request keys
   * only. Rows with an empty key are checked against the insert's other rows only.
   */
  readonly request: string;
  /**
   * For rows that carry no id of their own (log records, metric data points): an inserted
   * `UInt32` column numbering a request's rows of the table, in the order they are handed to the
   * batcher (`InsertBatcher.add` writes it), which is one of {@link columns} beside
   * {@link request}. A retry sends the same bytes, which decode to the same rows in the same
   * order, so each row gets the number it had. Rows without a request key then have no identity:
   * every one is stored.
   */
  readonly row?: string;
  /**
   * A stored column holding {@link time} in whole seconds (`DEFAULT toDateTime(time)`) that the
   * table's partition and primary keys use instead of it (otel_logs' `TimestampTime`): the lookup
   * of stored rows bounds its day too, so the partitions of other days are skipped.
   */
  readonly seconds?: string;
}

/**
 * One ClickHouse table, defined once: the DDL (see `ddl.ts`), the row type ({@link RowOf}), the
 * insert column list, the RowBinary layout and the rows read back all derive from it.
 */
export interface TableDefinition<R = unknown> extends RowCodec<R> {
  readonly name: string;
  /** Every column, by row field, in table order. */
  readonly definitions: ColumnMap;
  readonly layout: TableLayout;
}

/** Options of {@link defineTable}. */
export interface TableOptions<C extends ColumnMap> extends TableLayout {
  /** The inserted column whose UTC day is the row's partition (a table `PARTITION BY toDate(...)` of it). */
  dayPartition?: keyof RowOf<C> & string;
  /** What identifies a row: its inserts then store each identity once (see {@link RowIdentity}). */
  identity?: {
    columns: ReadonlyArray<keyof RowOf<C> & string>;
    time: keyof RowOf<C> & string;
    request: keyof RowOf<C> & string;
    row?: keyof RowOf<C> & string;
    seconds?: keyof C & string;
  };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Defines a table. Row field names are the column names (ClickHouse's case: `ServiceName`);
 * nested members are named by their key. The RowBinary writer is compiled once into
 * straight-line code (one writer call per column, as a hand-written codec would be), so a
 * derived codec costs what a hand-written one did.
 *
 * @example
 * const T = defineTable('t', { Id: column(Str), At: generated(DateTime64Millis, 'now64(3)') }, { engine: 'MergeTree', orderBy: 'Id' });
 * type TRow = RowType<typeof T>; // { Id: string }
 */
export function defineTable<const C extends ColumnMap>(name: string, columns: C, options: TableOptions<C>): TableDefinition<RowOf<C>> {
  const { dayPartition, identity, ...layout } = options;
  for (const field of identity ? [...identity.columns, identity.time, identity.request, ...(identity.row ? [identity.row] : [])] : []) {
    if (!columns[field]?.inserted || columns[field]!.nested) throw new Error(`${name}.${field}: an identity column is an inserted top-level column`);
  }
  if (identity?.seconds !== undefined && columns[identity.seconds]?.default !== `toDateTime(${identity.time})`) {
    throw new Error(`${name}.${identity.seconds}: the identity's time in seconds is a column DEFAULT toDateTime(${identity.time})`);
  }
  if (identity?.row !== undefined && (!identity.columns.includes(identity.row) || !identity.columns.includes(identity.request) || columns[identity.row]!.type.sql !== 'UInt32')) {
    throw new Error(`${name}.${identity.row}: a row-number column is a UInt32 of the identity, beside its request column`);
  }
  if (!IDENTIFIER.test(name)) throw new Error(`table name ${JSON.stringify(name)}: expected an identifier`);
  const inserted = Object.entries(columns).filter(([, c]) => c.inserted);
  for (const [field, c] of Object.entries(columns)) {
    if (!IDENTIFIER.test(field)) throw new Error(`${name}.${field}: a row field is an identifier`);
    if (c.inserted && !c.type.write) throw new Error(`${name}.${field}: ${c.type.sql} has no RowBinary writer; declare it generated`);
    if (!c.inserted && c.default === undefined && c.alias === undefined && !c.external) throw new Error(`${name}.${field}: a generated column needs its DEFAULT`);
  }
  const columnName = (field: string, c: ColumnDefinition) => (c.nested ? `${c.nested.group}.${c.nested.member}` : field);
  const write = compileWriter(
    name,
    inserted.map(([field, c]) => [field, c.type.write!]),
    Object.fromEntries(inserted.flatMap(([field, c]) => (c.stamped ? [[field, c.stamped.zero]] : []))),
  );
  const readers = inserted.map(([field, c]) => [field, c.type.read] as const);
  let partitionDay: ((row: RowOf<C>) => number) | undefined;
  if (dayPartition !== undefined) {
    const dayOf = columns[dayPartition]?.type.dayOf as ((v: unknown) => number) | undefined;
    if (!dayOf || !columns[dayPartition]!.inserted) throw new Error(`${name}.${dayPartition}: the day partition is an inserted time column`);
    partitionDay = (row) => dayOf((row as Record<string, unknown>)[dayPartition]);
  }
  return {
    name,
    table: name,
    definitions: columns,
    layout,
    columns: inserted.map(([field, c]) => columnName(field, c)),
    wireColumns: inserted.map(([field, c]) => [columnName(field, c), c.type.wire] as const),
    write,
    read(r) {
      const row: Record<string, unknown> = {};
      for (const [field, read] of readers) row[field] = read(r);
      return row as RowOf<C>;
    },
    ...(partitionDay ? { partitionDay } : {}),
    ...(identity
      ? {
          identity: {
            columns: [...identity.columns],
            time: identity.time,
            timeType: columns[identity.time]!.type.sql,
            request: identity.request,
            ...(identity.row ? { row: identity.row } : {}),
            ...(identity.seconds ? { seconds: identity.seconds } : {}),
          },
        }
      : {}),
  };
}

/**
 * `w.<method>(row.<field>);` per column, as one function: monomorphic calls the engine inlines,
 * where a loop over column descriptors would make every call site megamorphic. Names are checked
 * identifiers and methods are the writer's own, so nothing from outside reaches the source text.
 * A field of `zeros` (a stamped column) is written from `zeros` when the row leaves it out.
 */
function compileWriter<R>(
  table: string,
  columns: ReadonlyArray<readonly [field: string, method: WriterMethod]>,
  zeros: Record<string, unknown> = {},
): (w: RowBinaryWriter, row: R) => void {
  for (const [field, method] of columns) {
    if (!IDENTIFIER.test(field) || typeof (RowBinaryWriter.prototype as unknown as Record<string, unknown>)[method] !== 'function') {
      throw new Error(`${table}.${field}: cannot compile a writer for ${method}`);
    }
  }
  const body = columns
    .map(([field, method]) => (Object.hasOwn(zeros, field) ? `w.${method}(r.${field} === undefined ? z.${field} : r.${field});` : `w.${method}(r.${field});`))
    .join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see the function's comment
  return new Function('z', `return function (w, r) {\n${body}\n};`)(zeros) as (w: RowBinaryWriter, row: R) => void;
}

/** Serialises rows into one RowBinary payload. @param bytesPerRowHint expected size of a row, to size the buffer once */
export function encodeRows<R>(codec: RowCodec<R>, rows: readonly R[], bytesPerRowHint = 256): Buffer {
  const w = new RowBinaryWriter(rows.length * bytesPerRowHint + 64);
  for (let i = 0; i < rows.length; i++) codec.write(w, rows[i]!);
  return w.bytes();
}

/** Reads every row of a RowBinary payload (tests, fakes). */
export function decodeRows<R>(codec: RowCodec<R>, bytes: Uint8Array): R[] {
  const r = new RowBinaryReader(bytes);
  const rows: R[] = [];
  while (!r.done) rows.push(codec.read(r));
  return rows;
}

/** Any table's definition, whatever its row type (for DDL and listings). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row type is both read and written, so no narrower type takes them all
export type AnyTableDefinition = TableDefinition<any>;

/** The row type of a table definition: `RowType<typeof PREDICTIONS>`. */
export type RowType<T> = T extends TableDefinition<infer R> ? R : never;
