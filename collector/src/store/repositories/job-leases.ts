import type { ClickHouseStore } from '../ClickHouseStore.js';
import { JOB_LEASES, type JobLeaseRow } from '../schema/job-leases.js';

/** A lease as read: its newest row, times as Unix ms. */
export interface LeaseState {
  holder: string;
  acquiredAtMs: number;
  renewedAtMs: number;
  expiresAtMs: number;
}

/** The newest row of lease `name` (by renewal, then holder), and the engine's clock now (Unix ms). */
export async function readLease(store: ClickHouseStore, name: string): Promise<{ nowMs: number; lease: LeaseState | undefined }> {
  const [row] = await store.query<{ now: string | number; h: string; a: string | number; r: string | number; e: string | number }>(
    `SELECT toUnixTimestamp64Milli(now64(3)) AS now, Holder AS h, toUnixTimestamp64Milli(AcquiredAt) AS a, toUnixTimestamp64Milli(RenewedAt) AS r, toUnixTimestamp64Milli(ExpiresAt) AS e
     FROM job_leases WHERE Name = {name:String} ORDER BY RenewedAt DESC, Holder DESC LIMIT 1`,
    { name },
  );
  if (row) return { nowMs: Number(row.now), lease: { holder: row.h, acquiredAtMs: Number(row.a), renewedAtMs: Number(row.r), expiresAtMs: Number(row.e) } };
  const [clock] = await store.query<{ now: string | number }>('SELECT toUnixTimestamp64Milli(now64(3)) AS now');
  return { nowMs: Number(clock!.now), lease: undefined };
}

/** Writes one row of a lease (take, renew or release). */
export function writeLease(store: ClickHouseStore, row: JobLeaseRow): Promise<void> {
  return store.insert(JOB_LEASES, [row]);
}
