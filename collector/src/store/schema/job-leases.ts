import { DateTime64Millis, LowCardinalityString, Str } from './column-types.js';
import { column, defineTable, type RowType } from './TableDefinition.js';

/**
 * `job_leases`: who runs the jobs and alerting when several collectors share a store (role
 * `jobs` or `all`). Each holder renews its row; the newest row of a lease (by `RenewedAt`, then
 * `Holder`) names the holder until its `ExpiresAt`. Times are the engine's clock, so the
 * collectors' own clocks do not matter. A ReplacingMergeTree on `(Name, Holder)`: one row per
 * holder remains after merges.
 */
export const JOB_LEASES = defineTable(
  'job_leases',
  {
    /** The lease: `jobs` (drift, SLA, quality and alerting). */
    Name: column(LowCardinalityString),
    /** `<host>:<pid>:<random>` of the collector holding or releasing it. */
    Holder: column(Str),
    /** When this holder took the lease (kept across renewals). */
    AcquiredAt: column(DateTime64Millis),
    RenewedAt: column(DateTime64Millis),
    /** The lease is free from this instant; a release writes it equal to `RenewedAt`. */
    ExpiresAt: column(DateTime64Millis),
  },
  { engine: 'ReplacingMergeTree(RenewedAt)', orderBy: '(Name, Holder)' },
);

/** One row of `job_leases`. Times are Unix milliseconds. */
export type JobLeaseRow = RowType<typeof JOB_LEASES>;
