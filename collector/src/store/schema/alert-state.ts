import { Bool8, DateTime64Millis, Float64, LowCardinalityString, NullableDateTime64Millis, Str, StringMapType } from './column-types.js';
import { column, defineTable, type RowType } from './TableDefinition.js';

/** `alert_state`: pending and firing alerts, so a restart keeps them; a resolved one is a row with `Deleted`. */
export const ALERT_STATE = defineTable(
  'alert_state',
  {
    Fingerprint: column(Str),
    Rule: column(LowCardinalityString),
    State: column(LowCardinalityString),
    Labels: column(StringMapType),
    Annotations: column(StringMapType),
    Value: column(Float64),
    ActiveAt: column(DateTime64Millis),
    FiredAt: column(NullableDateTime64Millis),
    LastActiveAt: column(DateTime64Millis),
    Deleted: column(Bool8),
    /** Version of the row: strictly increasing per instance. */
    UpdatedAt: column(DateTime64Millis),
  },
  { engine: 'ReplacingMergeTree(UpdatedAt)', orderBy: 'Fingerprint' },
);

/** One row of `alert_state`. Times are Unix milliseconds. */
export type AlertStateRow = RowType<typeof ALERT_STATE>;
