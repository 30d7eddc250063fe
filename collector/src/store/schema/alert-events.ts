import { DateTime64Millis, Float64, LowCardinalityString, Str, StringMapType } from './column-types.js';
import { column, defineTable, type RowType } from './TableDefinition.js';

/** `alert_events`: every transition of every alert instance. */
export const ALERT_EVENTS = defineTable(
  'alert_events',
  {
    Time: column(DateTime64Millis),
    Rule: column(LowCardinalityString),
    Fingerprint: column(Str),
    FromState: column(LowCardinalityString),
    ToState: column(LowCardinalityString),
    Value: column(Float64),
    Labels: column(StringMapType),
    Annotations: column(StringMapType),
    ActiveAt: column(DateTime64Millis),
  },
  { engine: 'MergeTree', partitionBy: 'toYYYYMM(Time)', orderBy: '(Time, Rule, Fingerprint)' },
);

/** One row of `alert_events`. Times are Unix milliseconds. */
export type AlertEventRow = RowType<typeof ALERT_EVENTS>;
