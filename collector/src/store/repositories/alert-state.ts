import type { ClickHouseStore } from '../ClickHouseStore.js';
import { ALERT_COMPARE_LOOKS } from '../schema/alert-compare-looks.js';

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

/** The looks each `compare` rule spent on its pair of versions (`alert_compare_looks`), by rule. */
export async function readCompareLooks(store: ClickHouseStore): Promise<Map<string, { pair: string; looks: number; lastLookMs: number }>> {
  const rows = await store.query<{ Rule: string; Pair: string; Looks: number | string; last: string }>(
    `SELECT Rule, argMax(Pair, UpdatedAt) AS Pair, argMax(Looks, UpdatedAt) AS Looks, toString(toUnixTimestamp64Milli(argMax(LastLookAt, UpdatedAt))) AS last
     FROM alert_compare_looks GROUP BY Rule`,
  );
  return new Map(rows.map((r) => [r.Rule, { pair: r.Pair, looks: Number(r.Looks), lastLookMs: Number(r.last) }]));
}

/** Stores a `compare` rule's looks (replacing what it had). */
export function saveCompareLook(store: ClickHouseStore, rule: string, state: { pair: string; looks: number; lastLookMs: number }, nowMs: number): Promise<void> {
  return store.insert(ALERT_COMPARE_LOOKS, [{ Rule: rule, Pair: state.pair, Looks: state.looks, LastLookAt: state.lastLookMs, UpdatedAt: nowMs }]);
}
