import { dayOfDecimalSeconds } from '../PartitionDays.js';
import type { RowBinaryReader } from './RowBinaryReader.js';
import type { RowBinaryWriter } from '../row-binary.js';

/** A string map column: `Map(LowCardinality(String), String)`. */
export type StringMap = Record<string, string>;
/** A numeric map column: `Map(LowCardinality(String), Float64)`. */
export type NumberMap = Record<string, number>;

/** The {@link RowBinaryWriter} methods that write one value of a column from its row field. */
export type WriterMethod = {
  [K in keyof RowBinaryWriter]: RowBinaryWriter[K] extends (value: never) => void ? K : never;
}[keyof RowBinaryWriter];

/**
 * A ClickHouse column type and the TypeScript value that stands for it in a row: how it is
 * declared (`sql`), how its RowBinary bytes are typed when the engine reads them (`wire`: the
 * type without `LowCardinality`, whose bytes are those of the inner type), and how a value is
 * written and read back. `T` is the row field's type.
 */
export interface ColumnType<T> {
  /** The type in `CREATE TABLE`, e.g. `LowCardinality(String)`. */
  readonly sql: string;
  /** The type of the RowBinary bytes, e.g. `String`. */
  readonly wire: string;
  /** The writer method for one value; absent for a type the collector never inserts (filled by a view). */
  readonly write?: WriterMethod;
  /** Reads one value back (tests, and fakes standing in for the engine). */
  readonly read: (r: RowBinaryReader) => T;
  /** The UTC day of a time value, for the tables partitioned by day (see `PartitionDays`). */
  dayOf?(value: T): number;
  /** Phantom: the row field's type. */
  readonly __value?: T;
}

function type<T>(sql: string, write: WriterMethod | undefined, read: (r: RowBinaryReader) => T, extra: Partial<ColumnType<T>> = {}): ColumnType<T> {
  return { sql, wire: wireType(sql), ...(write ? { write } : {}), read, ...extra };
}

/** The type RowBinary bytes are read as: `LowCardinality(T)` is written as `T`. */
export function wireType(sql: string): string {
  let out = sql;
  for (let prev = ''; prev !== out; ) {
    prev = out;
    out = out.replace(/LowCardinality\(([^()]*)\)/g, '$1');
  }
  return out;
}

/** `String`. */
export const Str = type<string>('String', 'string', (r) => r.string());
/** `LowCardinality(String)`. */
export const LowCardinalityString = type<string>('LowCardinality(String)', 'string', (r) => r.string());
/** `Float64`. */
export const Float64 = type<number>('Float64', 'float64', (r) => r.float64());
/** `Nullable(Float64)`. */
export const NullableFloat64 = type<number | null>('Nullable(Float64)', 'nullableFloat64', (r) => (r.uint8() === 1 ? null : r.float64()));
/** `UInt8`. */
export const UInt8 = type<number>('UInt8', 'uint8', (r) => r.uint8());
/** `UInt32`. */
export const UInt32 = type<number>('UInt32', 'uint32', (r) => r.uint32());
/** `Int32`. */
export const Int32 = type<number>('Int32', 'int32', (r) => r.int32());
/** `Bool` (the exporter's `Boolean`). */
export const Bool = type<boolean>('Bool', 'bool', (r) => r.uint8() === 1);
/** `DateTime`: whole Unix seconds, 1970 to 2106 (the OpenTelemetry exporter's metric times). */
export const DateTimeSeconds = type<number>('DateTime', 'dateTime', (r) => r.uint32(), { dayOf: (s: number) => Math.floor(s / 86_400) });
/** `UInt64` of a count (a safe integer). */
export const UInt64 = type<number>('UInt64', 'uint64', (r) => Number(r.uint64()));
/** `UInt64` of a value that may not fit a double (nanosecond durations): a decimal string. */
export const UInt64Decimal = type<string>('UInt64', 'uint64Decimal', (r) => r.uint64().toString());
/** `UInt8` holding a flag: `true` is 1. */
export const Bool8 = type<boolean>('UInt8', 'bool', (r) => r.uint8() === 1);
/** `Nullable(UInt8)` holding a flag, or null (not measured). */
export const NullableBool8 = type<boolean | null>('Nullable(UInt8)', 'nullableBool', (r) => (r.uint8() === 1 ? null : r.uint8() === 1));
/**
 * `DateTime64(9)` as decimal Unix seconds with nine fraction digits (`"1700000000.123456789"`):
 * exact to the nanosecond, no float rounding.
 */
export const DateTime64Nanos = type<string>('DateTime64(9)', 'dateTime64Nanos', (r) => r.dateTime64Nanos(), { dayOf: dayOfDecimalSeconds });
/** `DateTime64(3)` as Unix milliseconds. */
export const DateTime64Millis = type<number>('DateTime64(3)', 'dateTime64Millis', (r) => Number(r.int64()));
/** `Nullable(DateTime64(3))` as Unix milliseconds, or null. */
export const NullableDateTime64Millis = type<number | null>('Nullable(DateTime64(3))', 'nullableDateTime64Millis', (r) =>
  r.uint8() === 1 ? null : Number(r.int64()),
);
/** `Map(LowCardinality(String), String)`. */
export const StringMapType = type<StringMap>('Map(LowCardinality(String), String)', 'stringMap', (r) => r.stringMap());
/** `Map(LowCardinality(String), Float64)`. */
export const NumberMapType = type<NumberMap>('Map(LowCardinality(String), Float64)', 'numberMap', (r) => r.numberMap());

/** `Array(Float32)`: a vector (embeddings), each number stored as a 32-bit float. */
export const Float32ArrayType = type<number[]>('Array(Float32)', 'float32Array', (r) => r.array(() => r.float32()));

/** `Array(T)` of the member types nested columns hold. */
export const ArrayOf = {
  DateTime64Nanos: type<string[]>('Array(DateTime64(9))', 'dateTime64NanosArray', (r) => r.array(() => r.dateTime64Nanos())),
  Str: type<string[]>('Array(String)', 'stringArray', (r) => r.array(() => r.string())),
  LowCardinalityString: type<string[]>('Array(LowCardinality(String))', 'stringArray', (r) => r.array(() => r.string())),
  Float64: type<number[]>('Array(Float64)', 'float64Array', (r) => r.array(() => r.float64())),
  /** `Array(UInt64)` as decimal strings (counts may pass 2^53). */
  UInt64Decimal: type<string[]>('Array(UInt64)', 'uint64DecimalArray', (r) => r.array(() => r.uint64().toString())),
  DateTimeSeconds: type<number[]>('Array(DateTime)', 'dateTimeArray', (r) => r.array(() => r.uint32())),
  StringMap: type<StringMap[]>('Array(Map(LowCardinality(String), String))', 'stringMapArray', (r) => r.array(() => r.stringMap())),
};

/**
 * A type the collector declares but never writes (a column a materialized view fills, or a
 * `DEFAULT` the engine computes): no writer, and read only through SQL.
 */
export function declaredOnly(sql: string): ColumnType<never> {
  return type<never>(sql, undefined, () => {
    throw new Error(`${sql}: not read as RowBinary`);
  });
}
