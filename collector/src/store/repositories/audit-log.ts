import type { ClickHouseStore } from '../ClickHouseStore.js';
import { AUDIT_LOG, type AuditLogRow } from '../schema/audit-log.js';

/** An audit entry as read. */
export interface AuditEntry {
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  keyId: string;
  project: string;
  action: string;
  target: string;
  details: Record<string, string>;
  address: string;
}

/** Writes one entry; resolves once it is stored. */
export function writeAuditEntry(store: ClickHouseStore, row: AuditLogRow): Promise<void> {
  return store.insert(AUDIT_LOG, [row]);
}

/** What {@link readAuditLog} selects: times in Unix ms, `project` undefined for every project. */
export interface AuditQuery {
  project: string | undefined;
  from: number;
  to: number;
  action: string | undefined;
  limit: number;
}

/** Entries between `from` (inclusive) and `to` (exclusive), newest first. */
export async function readAuditLog(store: ClickHouseStore, q: AuditQuery): Promise<AuditEntry[]> {
  const where = ['Time >= fromUnixTimestamp64Milli({from:Int64})', 'Time < fromUnixTimestamp64Milli({to:Int64})'];
  if (q.project !== undefined) where.push('Project = {project:String}');
  if (q.action !== undefined) where.push('Action = {action:String}');
  const rows = await store.query<AuditEntry & { time: string }>(
    `SELECT toString(toUnixTimestamp64Milli(Time)) AS time, KeyId AS keyId, Project AS project, Action AS action,
            Target AS target, Details AS details, Address AS address
     FROM audit_log WHERE ${where.join(' AND ')} ORDER BY Time DESC LIMIT {limit:UInt32}`,
    { from: q.from, to: q.to, project: q.project ?? '', action: q.action ?? '', limit: q.limit },
  );
  return rows.map((r) => ({ ...r, time: new Date(Number(r.time)).toISOString() }));
}
