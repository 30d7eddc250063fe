import type { FastifyInstance } from 'fastify';
import type { DriftJobConfig } from '../config.js';
import { DriftJob } from './DriftJob.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The streaming drift job; `runOnce()` closes what is ready now. */
    driftJob: DriftJob;
  }
}

/**
 * Runs the streaming jobs on a timer (each run starts `intervalMs` after the previous one
 * ended, so runs never overlap) and stops them on close, waiting for a run in progress.
 * `POST /api/v1/jobs/drift/run` runs the drift job at once and answers how many windows it closed.
 */
export async function jobsPlugin(app: FastifyInstance, opts: { drift: DriftJobConfig }): Promise<void> {
  const drift = new DriftJob(app.store, {
    windowMs: opts.drift.windowSeconds * 1000,
    allowedLatenessMs: opts.drift.allowedLatenessSeconds * 1000,
    onWindow: (w) =>
      app.log.info(
        { job: 'drift', model: w.model, version: w.version, windowStart: new Date(w.windowStartMs).toISOString(), rows: w.rows, drifted: w.results.filter((r) => r.drifted && r.source !== 'dataset').map((r) => `${r.source}:${r.feature}`) },
        'drift window closed',
      ),
  });
  app.decorate('driftJob', drift);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    timer = undefined;
    drift.runOnce().then(
      () => undefined,
      (err: unknown) => app.log.error({ err, job: 'drift' }, 'drift job run failed; retrying at the next interval'),
    ).finally(() => {
      if (!stopped) timer = setTimeout(tick, opts.drift.intervalMs);
    });
  };
  app.addHook('onReady', async () => {
    timer = setTimeout(tick, opts.drift.intervalMs);
  });
  app.addHook('preClose', async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await drift.idle();
  });
  app.post('/api/v1/jobs/drift/run', async () => ({ windowsClosed: await drift.runOnce() }));
}
