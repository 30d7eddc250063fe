import { Bool8, DateTime64Millis, LowCardinalityString, NullableDateTime64Millis, Str, UInt64 } from './column-types.js';
import { column, defineTable, generated, type RowType } from './TableDefinition.js';

/**
 * `reference_profiles`: one row per model version's reference (after merges); a replacement or a
 * deletion (`Deleted`) is a newer row for the same key.
 */
export const REFERENCE_PROFILES = defineTable(
  'reference_profiles',
  {
    Project: column(LowCardinalityString),
    ModelName: column(LowCardinalityString),
    ModelVersion: column(LowCardinalityString),
    ReferenceId: column(Str),
    /** `dataset`, `pinned` or `deleted`. */
    Kind: column(LowCardinalityString),
    SourceVersion: column(Str),
    SourceFrom: column(NullableDateTime64Millis),
    SourceTo: column(NullableDateTime64Millis),
    Rows: column(UInt64),
    /** The `FeatureProfile`, as JSON. */
    Profile: column(Str, { codec: 'ZSTD(3)' }),
    CreatedAt: generated(DateTime64Millis, 'now64(3)'),
    Deleted: column(Bool8, { default: '0' }),
  },
  { engine: 'ReplacingMergeTree(CreatedAt)', orderBy: '(Project, ModelName, ModelVersion)' },
);

/** One row of `reference_profiles`. Times are Unix milliseconds. */
export type ReferenceProfileRow = RowType<typeof REFERENCE_PROFILES>;
