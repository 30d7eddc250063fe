import type { ClickHouseStore } from '../ClickHouseStore.js';

/** A pending or firing alert as stored; times as Unix ms text (`firedAt` null until it fired). */
export interface StoredAlertState {
  Fingerprint: string;
  Rule: string;
  State: string;
  Labels: Record<string, string>;
  Annotations: Record<string, string>;
  Value: number;
  activeAt: string;
  firedAt: string | null;
  lastActiveAt: string;
}

/** The alerts pending or firing when the collector last wrote their state (resolved ones are deleted rows). */
export function readActiveAlerts(store: ClickHouseStore): Promise<StoredAlertState[]> {
  return store.query<StoredAlertState>(
    `SELECT Fingerprint, Rule, State, Labels, Annotations, Value, toString(toUnixTimestamp64Milli(ActiveAt)) AS activeAt,
            toString(toUnixTimestamp64Milli(FiredAt)) AS firedAt, toString(toUnixTimestamp64Milli(LastActiveAt)) AS lastActiveAt
     FROM alert_state FINAL WHERE Deleted = 0`,
  );
}
