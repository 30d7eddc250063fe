import type { ClickHouseStore } from '../ClickHouseStore.js';
import { SqlFilter } from './SqlFilter.js';

/** Which deliveries to list. */
export interface NotificationFilter {
  status?: 'sent' | 'failed' | undefined;
  receiver?: string | undefined;
  limit: number;
}

/** A delivery as read; its time as Unix ms text. */
export interface StoredNotification {
  t: string;
  Receiver: string;
  Kind: string;
  GroupKey: string;
  Status: string;
  Attempts: number;
  Alerts: number;
  Error: string;
}

/** Deliveries to receivers, newest first. */
export function readNotifications(store: ClickHouseStore, f: NotificationFilter): Promise<StoredNotification[]> {
  const filter = new SqlFilter().add('Status = {status:String}', 'status', f.status).add('Receiver = {receiver:String}', 'receiver', f.receiver).bind('limit', f.limit);
  return store.query<StoredNotification>(
    `SELECT toString(toUnixTimestamp64Milli(Time)) AS t, Receiver, Kind, GroupKey, Status, Attempts, Alerts, Error
     FROM alert_notifications WHERE ${filter.where()} ORDER BY Time DESC LIMIT {limit:UInt32}`,
    filter.params,
  );
}
