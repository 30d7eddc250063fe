import type { ProcessorStats } from './ProcessorStats.js';

/** Why records were lost; see `DataLossReport.byReason`. */
export interface DataLossReasons {
  /** Pushed out of the queue (or not let in) by `maxQueueSize` / `maxQueueBytes`, typically while the collector was unreachable. Counted `dropped`. */
  readonly queueFull: number;
  /** One record larger than `maxExportBatchBytes`. Counted `dropped`. */
  readonly tooLarge: number;
  /** Left out before queueing because it broke the record schema (see the warning). Counted `dropped`. */
  readonly invalid: number;
  /** Still queued (or being sent) when `shutdown()` ran out of time. Counted `dropped`. */
  readonly shutdown: number;
  /** Refused by the collector (HTTP 4xx, or named in its reply), or by a custom exporter's `FAILED`. Counted `failed`. */
  readonly refused: number;
}

/**
 * What `MonitorOptions.onDataLoss` receives: the records one queue lost since its previous
 * report, by reason. Reports come at most once per 10 s per queue (the first one at once, off
 * the caller's stack), together with the same text as a `diag` warning. `spans` is the queue of the
 * SDK's own tracer provider (when the host registered none).
 */
export interface DataLossReport {
  /** The queue that lost them. */
  readonly queue: 'predictions' | 'feedback' | 'spans';
  /** Records counted `dropped` since the previous report. */
  readonly dropped: number;
  /** Records counted `failed` since the previous report. */
  readonly failed: number;
  /** The same records, by reason. */
  readonly byReason: DataLossReasons;
  /** The last export error seen, if any (e.g. why the collector was unreachable, or what it refused). */
  readonly lastError: string | undefined;
  /** The queue's totals at the time of the report. */
  readonly stats: ProcessorStats;
  /** The warning logged through `diag`. */
  readonly message: string;
}
