import type { FastifyInstance } from 'fastify';
import type { DriftJobConfig, SlaJobConfig } from '../config.js';
import type { QualityJobConfig } from '../quality-config.js';
import type { SloConfig } from '../slo-config.js';
import { DriftJob } from './DriftJob.js';
import { SlaJob } from './SlaJob.js';
import { QualityJob } from './QualityJob.js';

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
}

interface RunnableJob {
  runOnce(): Promise<number>;
  idle(): Promise<void>;
}

/**
 * Runs a job on a timer (each run starts `intervalMs` after the previous one ended, so runs
 * never overlap), stops it on close, waiting for a run in progress, and serves
 * `POST /api/v1/jobs/<name>/run`, which runs it at once and answers how many windows it closed.
 */
function schedule(app: FastifyInstance, name: string, job: RunnableJob, intervalMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    timer = undefined;
    job.runOnce().then(
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
    await job.idle();
  });
  app.post(`/api/v1/jobs/${name}/run`, async () => ({ windowsClosed: await job.runOnce() }));
}

/** The streaming jobs: drift, SLA and quality (`/api/v1/jobs/{drift,sla,quality}/run`). */
export async function jobsPlugin(app: FastifyInstance, opts: JobsPluginOptions): Promise<void> {
  const drift = new DriftJob(app.store, {
    windowMs: opts.drift.windowSeconds * 1000,
    allowedLatenessMs: opts.drift.allowedLatenessSeconds * 1000,
    models: opts.drift.models,
    onWindow: (w) => {
      app.log.info(
        { job: 'drift', model: w.model, version: w.version, windowStart: new Date(w.windowStartMs).toISOString(), rows: w.rows, drifted: w.results.filter((r) => r.drifted && r.source !== 'dataset').map((r) => `${r.source}:${r.feature}`) },
        'drift window closed',
      );
      app.alerts.onWindow({ source: 'drift', project: w.project, model: w.model, version: w.version, windowEndMs: w.windowEndMs });
    },
  });
  app.decorate('driftJob', drift);
  schedule(app, 'drift', drift, opts.drift.intervalMs);

  const sla = new SlaJob(app.store, {
    windowMs: opts.sla.windowSeconds * 1000,
    allowedLatenessMs: opts.sla.allowedLatenessSeconds * 1000,
    slos: opts.slos,
    onWindow: (r) => {
      app.log.info(
        { job: 'sla', slo: r.slo, model: r.model, version: r.version, windowStart: new Date(r.windowStartMs).toISOString(), rows: r.rows, breached: r.breached, burnRateFiring: r.burnRates.filter((b) => b.firing).map((b) => `${b.longSeconds}s/${b.shortSeconds}s`) },
        'sla window closed',
      );
      app.alerts.onWindow({ source: 'sla', project: r.project, model: r.model, version: r.version, windowEndMs: r.windowEndMs, labels: { slo: r.slo } });
    },
  });
  app.decorate('slaJob', sla);
  schedule(app, 'sla', sla, opts.sla.intervalMs);

  const quality = new QualityJob(app.store, {
    windowMs: opts.quality.windowSeconds * 1000,
    allowedLatenessMs: opts.quality.allowedLatenessSeconds * 1000,
    models: opts.quality.models,
    onWindow: (r) => {
      app.log.info(
        { job: 'quality', model: r.model, version: r.version, windowStart: new Date(r.windowStartMs).toISOString(), predictions: r.predictions, labelled: r.labelled, recomputed: r.recomputed },
        r.recomputed ? 'quality window recomputed after late feedback' : 'quality window closed',
      );
      // First computation and every recomputation after late feedback: the rules see the newest result.
      app.alerts.onWindow({ source: 'quality', project: r.project, model: r.model, version: r.version, windowEndMs: r.windowEndMs });
    },
  });
  app.decorate('qualityJob', quality);
  schedule(app, 'quality', quality, opts.quality.intervalMs);
}
