import Type, { type Static } from 'typebox';
import { Count, Section } from './setting.js';

/** What a collector runs. */
export const ROLES = ['ingest', 'jobs', 'all'] as const;

/**
 * `role`: `ingest` receives and serves reads (stateless, any number behind a load balancer);
 * `jobs` runs the drift, SLA and quality jobs and alerting, and serves reads, without the
 * ingestion endpoints; `all` does both. On a server store the jobs run in one collector at a time
 * (`jobsLease`).
 */
export const Role = Type.Enum(ROLES, {
  default: 'all',
  env: 'INFERLENS_ROLE',
  flag: 'role',
  description: 'what this collector runs: `ingest` (receivers and reads), `jobs` (jobs, alerting and reads), `all`; see [Scale-out](scale-out.md#roles)',
});

/** A collector's role. */
export type CollectorRole = Static<typeof Role>;

/** `jobsLease:`: the lease that lets one collector of a server store run the jobs. */
export const JobsLeaseSection = Section(
  {
    ttlSeconds: Count({
      env: 'INFERLENS_JOBS_LEASE_TTL_SECONDS',
      minimum: 2,
      maximum: 3600,
      default: 30,
      description: 'how long the jobs lease holds without renewal (renewed every third of it): a standby takes over within about this long after the holder is gone; server store only',
    }),
  },
  'the jobs lease (server store, roles `jobs` and `all`)',
);

/** The jobs lease's settings. */
export type JobsLeaseConfig = Static<typeof JobsLeaseSection>;
