import { DateTime64Millis, LowCardinalityString, Str, UInt32 } from './column-types.js';
import { column, defineTable, type RowType } from './TableDefinition.js';

/**
 * `alert_compare_looks`: per `compare` alert rule, the looks spent on its current pair of versions
 * (see `alerts/compare-source.ts`), so that a restart or a jobs takeover does not start the rule's
 * α spending afresh (which would let repeated looks inflate false alarms again).
 */
export const ALERT_COMPARE_LOOKS = defineTable(
  'alert_compare_looks',
  {
    Rule: column(LowCardinalityString),
    /** The pair of versions the looks were spent on (`candidate vs baseline`). */
    Pair: column(Str),
    Looks: column(UInt32),
    LastLookAt: column(DateTime64Millis),
    /** Version of the row: the newest per rule wins (whatever its pair). */
    UpdatedAt: column(DateTime64Millis),
  },
  { engine: 'ReplacingMergeTree(UpdatedAt)', orderBy: '(Rule, Pair)' },
);

/** One row of `alert_compare_looks`. Times are Unix milliseconds. */
export type AlertCompareLookRow = RowType<typeof ALERT_COMPARE_LOOKS>;
