import { CollectorError, InternalError } from '../errors.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The ingestion signals counted in `inferlens_records_*`: one per ingestion endpoint (`metrics` counts data points). */
export type Signal = 'traces' | 'logs' | 'metrics' | 'predictions' | 'feedback';

/** What the collector measures about itself at scrape time (pending rows, job lag, bytes in flight). */
export interface MetricSources {
  /** Rows waiting for storage, per table. */
  pendingRows(): Record<string, number>;
  /** Request bodies and pending rows held in memory, in bytes (admission control). */
  bytesInFlight(): number;
  /** Per job, how far its most lagging unit's closed windows trail the wall clock, in seconds (none: no unit has closed a window). */
  jobLagSeconds(): Record<string, number | undefined>;
}

/**
 * The collector's own metrics, in one prom-client registry per collector (not the global one:
 * several collectors may run in one process, as the tests do). Served by `GET /metrics` in the
 * Prometheus text exposition format. Names start with `inferlens_`; the process metrics are
 * prom-client's defaults (`process_*`, `nodejs_*`).
 *
 * @example
 * const metrics = new CollectorMetrics();
 * metrics.recordsReceived.inc({ signal: 'predictions' }, 100);
 * const text = await metrics.registry.metrics();
 */
export class CollectorMetrics {
  /** The registry that `GET /metrics` renders. */
  readonly registry = new Registry();
  /** Records decoded from ingestion bodies, valid or not. */
  readonly recordsReceived: Counter<'signal'>;
  /** Records stored and acknowledged. */
  readonly recordsAccepted: Counter<'signal'>;
  /** Records not stored: `invalid` (rejected alone, the others of the body stored), or the error code of a request refused after decoding. */
  readonly recordsRefused: Counter<'signal' | 'reason'>;
  /** Bytes of ingestion bodies as received (compressed when gzip). */
  readonly bytesReceived: Counter<'signal'>;
  /** Requests refused before their records were decoded or stored, by error code. */
  readonly requestsRefused: Counter<'code'>;
  /** Requests answered, by route pattern and status. */
  readonly requests: Counter<'method' | 'route' | 'status'>;
  /** Requests being handled now. */
  readonly requestsInFlight: Gauge;
  /** Duration of each insert, per table. */
  readonly insertDuration: Histogram<'table'>;
  /** Failed inserts, per table. */
  readonly insertFailures: Counter<'table'>;
  /** Repairs of a table after an insert found a damaged part, per table and outcome (`repaired`, `failed`). */
  readonly tableRepairs: Counter<'table' | 'outcome'>;
  /** Job runs started, per job. */
  readonly jobRuns: Counter<'job'>;
  /** Job runs that failed as a whole, and units that failed in a run, per job. */
  readonly jobFailures: Counter<'job' | 'scope'>;
  /** Windows written, per job. */
  readonly windowsClosed: Counter<'job'>;
  /** Alert rule evaluations, per source and outcome. */
  readonly alertEvaluations: Counter<'source' | 'outcome'>;
  /** Alert notifications, per receiver and outcome (`sent`, `failed`). */
  readonly alertNotifications: Counter<'receiver' | 'outcome'>;

  constructor(sources?: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.recordsReceived = new Counter({ name: 'inferlens_records_received_total', help: 'Records decoded from ingestion bodies, valid or not.', labelNames: ['signal'], registers });
    this.recordsAccepted = new Counter({ name: 'inferlens_records_accepted_total', help: 'Records stored and acknowledged.', labelNames: ['signal'], registers });
    this.recordsRefused = new Counter({
      name: 'inferlens_records_refused_total',
      help: 'Records not stored: reason "invalid" (rejected alone) or the error code of a request refused after decoding.',
      labelNames: ['signal', 'reason'],
      registers,
    });
    this.bytesReceived = new Counter({ name: 'inferlens_received_bytes_total', help: 'Bytes of ingestion bodies as received (compressed when gzip).', labelNames: ['signal'], registers });
    this.requestsRefused = new Counter({ name: 'inferlens_requests_refused_total', help: 'Requests answered with an error, by error code.', labelNames: ['code'], registers });
    this.requests = new Counter({ name: 'inferlens_http_requests_total', help: 'Requests answered, by route pattern and status.', labelNames: ['method', 'route', 'status'], registers });
    this.requestsInFlight = new Gauge({ name: 'inferlens_http_requests_in_flight', help: 'Requests being handled now.', registers });
    this.insertDuration = new Histogram({
      name: 'inferlens_insert_duration_seconds',
      help: 'Duration of each insert into the store, per table (failed inserts included).',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.insertFailures = new Counter({ name: 'inferlens_insert_failures_total', help: 'Failed inserts, per table.', labelNames: ['table'], registers });
    this.tableRepairs = new Counter({
      name: 'inferlens_table_repairs_total',
      help: 'Repairs of a table (detach and attach) after an insert found a damaged part, per table and outcome: "repaired" or "failed".',
      labelNames: ['table', 'outcome'],
      registers,
    });
    this.jobRuns = new Counter({ name: 'inferlens_job_runs_total', help: 'Job runs started, per job.', labelNames: ['job'], registers });
    this.jobFailures = new Counter({
      name: 'inferlens_job_failures_total',
      help: 'Job failures, per job: scope "run" (the run failed as a whole) or "unit" (one unit failed in a run).',
      labelNames: ['job', 'scope'],
      registers,
    });
    this.windowsClosed = new Counter({ name: 'inferlens_windows_closed_total', help: 'Windows written by the jobs, per job.', labelNames: ['job'], registers });
    this.alertEvaluations = new Counter({
      name: 'inferlens_alert_evaluations_total',
      help: 'Alert rule evaluations, per source (drift, sla, quality, traffic) and outcome (ok, failed).',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.alertNotifications = new Counter({
      name: 'inferlens_alert_notifications_total',
      help: 'Alert notifications, per receiver and outcome (sent, failed).',
      labelNames: ['receiver', 'outcome'],
      registers,
    });
    if (!sources) return;
    new Gauge({
      name: 'inferlens_pending_rows',
      help: 'Rows waiting for storage (batched, queued or being inserted), per table.',
      labelNames: ['table'],
      registers,
      collect() {
        for (const [table, rows] of Object.entries(sources.pendingRows())) this.set({ table }, rows);
      },
    });
    new Gauge({
      name: 'inferlens_bytes_in_flight',
      help: 'Bytes of request bodies being read or decoded plus rows waiting for storage (admission control, limits.maxBytesInFlight).',
      registers,
      collect() {
        this.set(sources.bytesInFlight());
      },
    });
    new Gauge({
      name: 'inferlens_job_lag_seconds',
      help: "How far the most lagging unit's closed windows trail the wall clock, per job.",
      labelNames: ['job'],
      registers,
      collect() {
        this.reset();
        for (const [job, lag] of Object.entries(sources.jobLagSeconds())) if (lag !== undefined) this.set({ job }, lag);
      },
    });
  }
}

/**
 * Counts one ingestion request's records: `accepted + rejected` received, `rejected` refused as
 * invalid at once; `accepted` as accepted once `stored` resolves, or as refused with the error's
 * code when it rejects (the rejection is passed on).
 */
export async function countRecords(metrics: CollectorMetrics, signal: Signal, accepted: number, rejected: number, stored: Promise<void>): Promise<void> {
  metrics.recordsReceived.inc({ signal }, accepted + rejected);
  if (rejected > 0) metrics.recordsRefused.inc({ signal, reason: 'invalid' }, rejected);
  try {
    await stored;
  } catch (err) {
    const reason = err instanceof CollectorError ? err.code : new InternalError(err).code;
    if (accepted > 0) metrics.recordsRefused.inc({ signal, reason }, accepted);
    throw err;
  }
  if (accepted > 0) metrics.recordsAccepted.inc({ signal }, accepted);
}
