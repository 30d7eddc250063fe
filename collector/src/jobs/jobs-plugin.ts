import type { FastifyInstance } from 'fastify';
import { AUDIT_PLUGIN } from '../audit/audit-plugin.js';
import fp from 'fastify-plugin';
import type { DriftJobConfig, QualityJobConfig, SegmentsConfig, SlaJobConfig, SloConfig } from '../config.js';
import { DriftJob } from './DriftJob.js';
import { SlaJob } from './SlaJob.js';
import { QualityJob } from './QualityJob.js';
import type { JobUnits, JobUnitsOptions, RunReport, UnitKey, UnitStatus } from './JobUnits.js';
import { STORE_PLUGIN } from '../plugins/store-plugin.js';
import { ALERTING_PLUGIN } from '../alerts/alerting-plugin.js';
import { boundProject } from '../auth/Principal.js';
import { METRICS_PLUGIN } from '../metrics/metrics-plugin.js';
import { JobsStandbyError } from '../errors.js';
import { JOBS_LEASE_PLUGIN } from './lease-plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The streaming drift job; `runOnce()` closes what is ready now. */
    driftJob: DriftJob;
    /** The SLA job; `runOnce()` closes what is ready now. */
    slaJob: SlaJob;
    /** The quality job; `runOnce()` closes ready windows and recomputes those with new feedback. */
    qualityJob: QualityJob;
  }
}

/** Options of {@link jobsPlugin}. */
export interface JobsPluginOptions {
  drift: DriftJobConfig;
  sla: SlaJobConfig;
  slos: readonly SloConfig[];
  quality: QualityJobConfig;
  /** Per-segment results of the drift and quality jobs. @default none */
  segments?: SegmentsConfig;
}

interface RunnableJob {
  runOnce(): Promise<RunReport>;
  stop(): Promise<void>;
  readonly units: JobUnits;
}

/** A job's standing in `GET /api/v1/jobs`. */
export interface JobStatus {
  job: string;
  intervalMs: number;
  lastRunAt: string | null;
  /** Error of the last run as a whole (listing its units failed: the store is unavailable), if it failed. */
  lastRunError: string | null;
  units: UnitStatus[];
}

/**
 * Runs a job on a timer (each run starts `intervalMs` after the previous one ended, so runs
 * never overlap), stops it on close, waiting for a run in progress, and serves
 * `POST /api/v1/jobs/<name>/run`, which runs it at once and answers what each unit did.
 * Returns the job's standing for `GET /api/v1/jobs`.
 */
function schedule(app: FastifyInstance, name: string, job: RunnableJob, intervalMs: number): () => JobStatus {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let lastRunAt: number | undefined;
  let lastRunError: string | null = null;
  const run = async (): Promise<RunReport> => {
    lastRunAt = Date.now();
    app.metrics.jobRuns.inc({ job: name });
    try {
      const report = await job.runOnce();
      lastRunError = null;
      app.metrics.windowsClosed.inc({ job: name }, report.windowsClosed);
      const failed = report.units.filter((u) => u.status === 'failed').length;
      if (failed > 0) app.metrics.jobFailures.inc({ job: name, scope: 'unit' }, failed);
      return report;
    } catch (err) {
      lastRunError = (err as Error).message;
      app.metrics.jobFailures.inc({ job: name, scope: 'run' });
      throw err;
    }
  };
  const tick = () => {
    timer = undefined;
    // Another collector holds the jobs lease: this one stands by.
    const attempt = app.jobsLease.isHolder ? run() : Promise.resolve(undefined);
    attempt.then(
      () => undefined,
      (err: unknown) => app.log.error({ err, job: name }, `${name} job run failed; retrying at the next interval`),
    ).finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  app.addHook('onReady', async () => {
    timer = setTimeout(tick, intervalMs);
  });
  app.addHook('preClose', async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    // A run in progress ends after its current window (a backfill may hold thousands): the
    // checkpoints keep the place for the next start.
    await job.stop();
  });
  // A run closes what is ready in every project (as the timer would, only sooner); a key bound to
  // one project is told of that project's units only.
  app.post(`/api/v1/jobs/${name}/run`, async (request) => {
    if (!app.jobsLease.isHolder) {
      const current = app.jobsLease.status()?.current;
      throw new JobsStandbyError(`this collector stands by: the jobs run in ${current ? `the collector ${current.holder}` : 'another collector'}, which holds the jobs lease; ask it, or wait for it to stop`);
    }
    const report = await run();
    const project = boundProject(request.principal);
    const answer = project === undefined ? report : (() => {
      const units = report.units.filter((u) => u.unit.project === project);
      return { windowsClosed: units.reduce((n, u) => n + u.windows, 0), units };
    })();
    await app.audit(request, { action: 'job.run', project: project ?? '*', target: name, details: { windowsClosed: String(answer.windowsClosed) } });
    return answer;
  });
  return () => ({ job: name, intervalMs, lastRunAt: lastRunAt === undefined ? null : new Date(lastRunAt).toISOString(), lastRunError, units: job.units.status() });
}

/** Unit options of a job: backoff starting at its interval, failures logged with the unit's key. */
function unitOptions(app: FastifyInstance, job: string, intervalMs: number): JobUnitsOptions {
  return {
    initialBackoffMs: intervalMs,
    maxBackoffMs: Math.max(intervalMs, 300_000),
    onError: (unit, err, failures) =>
      app.log.error({ err, job, unit, consecutiveFailures: failures }, `${job} job: unit ${unitLabel(unit)} failed; the other units go on, this one retries after a backoff`),
  };
}

/** `project/model/version[/extra=value...]`, for log lines. */
function unitLabel(unit: UnitKey): string {
  const { project, model, version, ...extra } = unit;
  return [project, model, version, ...Object.entries(extra).map(([k, v]) => `${k}=${v}`)].join('/');
}

/**
 * The streaming jobs: drift, SLA and quality (`POST /api/v1/jobs/{drift,sla,quality}/run`), and
 * `GET /api/v1/jobs`: per job and unit, the last success, the last error and the lag.
 */
async function jobs(app: FastifyInstance, opts: JobsPluginOptions): Promise<void> {
  // The lease first: a sole collector holds it before its first run.
  app.addHook('onReady', async () => app.jobsLease.start());
  const drift = new DriftJob(app.store, {
    windowMs: opts.drift.windowSeconds * 1000,
    allowedLatenessMs: opts.drift.allowedLatenessSeconds * 1000,
    idleTimeoutMs: opts.drift.idleTimeoutSeconds * 1000,
    units: unitOptions(app, 'drift', opts.drift.intervalMs),
    models: opts.drift.models,
    ...(opts.segments ? { segments: opts.segments } : {}),
    onWindow: (w) => {
      app.log.info(
        { job: 'drift', model: w.model, version: w.version, windowStart: new Date(w.windowStartMs).toISOString(), rows: w.rows, drifted: w.results.filter((r) => r.drifted && r.source !== 'dataset').map((r) => `${r.source}:${r.feature}`), segments: w.segments.length },
        'drift window closed',
      );
      app.alerts.onWindow({ source: 'drift', project: w.project, model: w.model, version: w.version, windowEndMs: w.windowEndMs, rows: w.resultRows });
    },
  });
  app.decorate('driftJob', drift);
  const driftStatus = schedule(app, 'drift', drift, opts.drift.intervalMs);

  const sla = new SlaJob(app.store, {
    windowMs: opts.sla.windowSeconds * 1000,
    allowedLatenessMs: opts.sla.allowedLatenessSeconds * 1000,
    idleTimeoutMs: opts.sla.idleTimeoutSeconds * 1000,
    units: unitOptions(app, 'sla', opts.sla.intervalMs),
    slos: opts.slos,
    onWindow: (r, row) => {
      app.log.info(
        { job: 'sla', slo: r.slo, model: r.model, version: r.version, windowStart: new Date(r.windowStartMs).toISOString(), rows: r.rows, breached: r.breached, burnRateFiring: r.burnRates.filter((b) => b.firing).map((b) => `${b.longSeconds}s/${b.shortSeconds}s`) },
        'sla window closed',
      );
      app.alerts.onWindow({ source: 'sla', project: r.project, model: r.model, version: r.version, windowEndMs: r.windowEndMs, labels: { slo: r.slo }, rows: [row] });
    },
  });
  app.decorate('slaJob', sla);
  const slaStatus = schedule(app, 'sla', sla, opts.sla.intervalMs);

  const quality = new QualityJob(app.store, {
    windowMs: opts.quality.windowSeconds * 1000,
    allowedLatenessMs: opts.quality.allowedLatenessSeconds * 1000,
    idleTimeoutMs: opts.quality.idleTimeoutSeconds * 1000,
    units: unitOptions(app, 'quality', opts.quality.intervalMs),
    models: opts.quality.models,
    ...(opts.segments ? { segments: opts.segments } : {}),
    onWindow: (r, rows) => {
      app.log.info(
        { job: 'quality', model: r.model, version: r.version, windowStart: new Date(r.windowStartMs).toISOString(), predictions: r.predictions, labelled: r.labelled, recomputed: r.recomputed, segments: rows.length - 1 },
        r.recomputed ? 'quality window recomputed after late feedback' : 'quality window closed',
      );
      // First computation and every recomputation after late feedback: the rules see the newest result.
      app.alerts.onWindow({ source: 'quality', project: r.project, model: r.model, version: r.version, windowEndMs: r.windowEndMs, rows });
    },
  });
  app.decorate('qualityJob', quality);
  const qualityStatus = schedule(app, 'quality', quality, opts.quality.intervalMs);

  app.get('/api/v1/jobs', async (request) => {
    const project = boundProject(request.principal);
    const jobs = [driftStatus(), slaStatus(), qualityStatus(), app.alerts.status()];
    // A key bound to one project sees that project's units only.
    return { jobs: project === undefined ? jobs : jobs.map((j) => ({ ...j, units: j.units.filter((u) => u.unit.project === project) })), lease: app.jobsLease.status() };
  });
  // Once every job has stopped (their preClose hooks come first), the lease is released for a standby.
  app.addHook('preClose', async () => app.jobsLease.stop());
}

/**
 * The jobs as a plugin of the root instance (see {@link jobs}): decorates it with `driftJob`,
 * `slaJob` and `qualityJob`; each job reports its windows to `alerts`.
 */
export const jobsPlugin = fp(jobs, {
  name: 'inferlens-jobs',
  fastify: '5.x',
  dependencies: [STORE_PLUGIN, ALERTING_PLUGIN, AUDIT_PLUGIN, METRICS_PLUGIN, JOBS_LEASE_PLUGIN],
  decorators: { fastify: ['store', 'alerts', 'metrics', 'jobsLease'] },
});
