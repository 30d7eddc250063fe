import type { ClickHouseStore } from '../ClickHouseStore.js';
import { SqlFilter, type NanoRange } from './SqlFilter.js';

/** Which transitions to list. */
export interface AlertHistoryFilter extends NanoRange {
  rule?: string | undefined;
  fingerprint?: string | undefined;
  /** Only the transitions of alerts labelled with this project. */
  project?: string | undefined;
  limit: number;
}

/** A transition as read; times as Unix ms text. */
export interface StoredAlertEvent {
  t: string;
  Rule: string;
  Fingerprint: string;
  FromState: string;
  ToState: string;
  Value: number;
  Labels: Record<string, string>;
  Annotations: Record<string, string>;
  activeAt: string;
}

/** Alert transitions, oldest first. */
export function readAlertHistory(store: ClickHouseStore, f: AlertHistoryFilter): Promise<StoredAlertEvent[]> {
  const filter = new SqlFilter()
    .add('Rule = {rule:String}', 'rule', f.rule)
    .add('Fingerprint = {fp:String}', 'fp', f.fingerprint)
    .add("Labels['project'] = {project:String}", 'project', f.project)
    .timeRange('Time', f.from, f.to)
    .bind('limit', f.limit);
  return store.query<StoredAlertEvent>(
    `SELECT toString(toUnixTimestamp64Milli(Time)) AS t, Rule, Fingerprint, FromState, ToState, Value, Labels, Annotations, toString(toUnixTimestamp64Milli(ActiveAt)) AS activeAt
     FROM alert_events WHERE ${filter.where()} ORDER BY Time, Rule, Fingerprint LIMIT {limit:UInt32}`,
    filter.params,
  );
}
