import { DateTime64Millis, LowCardinalityString, Str, UInt32, UInt8 } from './column-types.js';
import { column, defineTable, type RowType } from './TableDefinition.js';

/** `alert_notifications`: every delivery to a receiver, sent or failed. */
export const ALERT_NOTIFICATIONS = defineTable(
  'alert_notifications',
  {
    Time: column(DateTime64Millis),
    Receiver: column(LowCardinalityString),
    Kind: column(LowCardinalityString),
    GroupKey: column(Str),
    /** `sent` or `failed`. */
    Status: column(LowCardinalityString),
    Attempts: column(UInt8),
    Alerts: column(UInt32),
    Error: column(Str),
  },
  { engine: 'MergeTree', partitionBy: 'toYYYYMM(Time)', orderBy: '(Time, Receiver)' },
);

/** One row of `alert_notifications`. Times are Unix milliseconds. */
export type AlertNotificationRow = RowType<typeof ALERT_NOTIFICATIONS>;
