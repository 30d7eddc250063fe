import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { JobsLeaseConfig } from '../config/role.js';
import type { LeaseState } from '../store/repositories/job-leases.js';
import { STORE_PLUGIN } from '../plugins/store-plugin.js';
import { JobLease } from './JobLease.js';

/** Whether this collector runs the jobs and alerting now. */
export interface JobsLeaseHandle {
  /** True while this collector holds the jobs lease (always, on the embedded store: one process owns it). */
  readonly isHolder: boolean;
  /** Calls `listener` each time this collector takes (`true`) or loses (`false`) the lease. */
  onChange(listener: (holder: boolean) => void | Promise<void>): void;
  /** For `GET /api/v1/jobs`: the lease as last read; `null` on the embedded store. */
  status(): { name: string; holderId: string; holder: boolean; current: LeaseState | null } | null;
  /** Starts taking and renewing the lease (at `onReady`). */
  start(): Promise<void>;
  /** Stops renewing and releases the lease (the jobs call it once they have stopped). */
  stop(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The jobs lease: jobs and alerting run while `isHolder`. */
    jobsLease: JobsLeaseHandle;
  }
}

/** Name under which the jobs and alerting declare their dependency on {@link jobsLeasePlugin}. */
export const JOBS_LEASE_PLUGIN = 'inferlens-jobs-lease';

/**
 * The jobs lease (see {@link JobLease}) on a server store; on the embedded store the collector
 * always holds it (chDB binds the data directory to one process). Taken at `onReady`, before the
 * collector listens, so a sole collector runs its jobs from the start.
 */
async function jobsLeaseSetup(app: FastifyInstance, opts: { lease: JobsLeaseConfig }): Promise<void> {
  const listeners: Array<(holder: boolean) => void | Promise<void>> = [];
  if (app.store.mode === 'embedded') {
    app.decorate('jobsLease', { isHolder: true, onChange: () => undefined, status: () => null, start: async () => undefined, stop: async () => undefined } satisfies JobsLeaseHandle);
    return;
  }
  const log = app.log.child({ component: 'jobs-lease' });
  const lease = new JobLease(app.store, {
    ttlMs: opts.lease.ttlSeconds * 1000,
    onChange: async (holder, current) => {
      if (holder) log.info({ holderId: lease.holderId }, 'jobs lease taken: this collector runs the jobs and alerting');
      else log.info({ holderId: lease.holderId, holder: current?.holder }, 'jobs lease not held: this collector stands by');
      for (const l of listeners) await l(holder);
    },
    onError: (err) => log.warn({ err }, 'jobs lease: the store did not answer; retrying'),
  });
  let started = false;
  app.decorate('jobsLease', {
    get isHolder() {
      return lease.isHolder;
    },
    onChange: (l) => void listeners.push(l),
    status: () => lease.status(),
    start: async () => {
      started = true;
      await lease.start();
      if (!lease.isHolder) log.info({ holderId: lease.holderId, holder: lease.status().current?.holder }, 'jobs lease held by another collector: this collector stands by');
    },
    stop: async () => {
      if (started) await lease.stop();
    },
  } satisfies JobsLeaseHandle);
}

/** The jobs lease as a plugin of the root instance: decorates it with `jobsLease`. */
export const jobsLeasePlugin = fp(jobsLeaseSetup, { name: JOBS_LEASE_PLUGIN, fastify: '5.x', dependencies: [STORE_PLUGIN] });
