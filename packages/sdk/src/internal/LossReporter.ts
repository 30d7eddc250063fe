import type { DataLossReasons, DataLossReport } from '../DataLossReport.js';
import type { ProcessorStats } from '../ProcessorStats.js';
import { handleError, warn } from './handle-error.js';

/** Why a record was lost: a key of `DataLossReasons`. */
export type LossReason = keyof DataLossReasons;

/** Callback of `MonitorOptions.onDataLoss`. */
export type DataLossListener = (report: DataLossReport) => void;

/** The SDK's queues. */
export type QueueName = 'predictions' | 'feedback' | 'spans';

/** What a queue holds, in messages. */
export const QUEUE_ITEMS: Readonly<Record<QueueName, string>> = { predictions: 'prediction records', feedback: 'feedback records', spans: 'spans' };

/** Shortest time between two reports of one queue. */
export const LOSS_REPORT_INTERVAL_MILLIS = 10_000;

const NONE: DataLossReasons = { queueFull: 0, tooLarge: 0, invalid: 0, shutdown: 0, refused: 0 };

/** What the queue can say about the state of delivery when a report is written. */
export interface DeliveryState {
  stats(): ProcessorStats;
  /** When the current run of failed attempts began (epoch ms), if one is going on. */
  failingSince(): number | undefined;
}

/**
 * Makes losses visible without flooding: a batch processor counts each lost record here, and
 * the reporter writes one `diag` warning (and calls the `onDataLoss` listener) per interval at
 * most, for everything lost since the previous report. The first report of a quiet period is
 * written at once, but from a timer, never on the caller's stack. Never throws.
 */
export class LossReporter {
  private pending: { -readonly [K in LossReason]: number } = { ...NONE };
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastReportAt = -Infinity;

  /**
   * @param queue which queue this reports on
   * @param state the queue's counts and delivery state, read when a report is written
   * @param listener `MonitorOptions.onDataLoss`
   * @param intervalMillis shortest time between two reports (tests shorten it)
   */
  constructor(
    private readonly queue: QueueName,
    private readonly state: DeliveryState,
    private readonly listener: DataLossListener | undefined,
    private readonly intervalMillis = LOSS_REPORT_INTERVAL_MILLIS,
  ) {}

  /** Counts `n` records lost for `reason`; `error` is the export error behind it, if any. */
  count(reason: LossReason, n: number, error?: string): void {
    if (!(n > 0)) return;
    this.pending[reason] += n;
    if (error !== undefined) this.lastError = error;
    if (this.timer) return;
    const wait = Math.max(0, this.lastReportAt + this.intervalMillis - Date.now());
    this.timer = setTimeout(() => this.report(), wait);
    this.timer.unref();
  }

  /** Remembers the latest export error, for the next report's context. */
  noteError(error: string): void {
    this.lastError = error;
  }

  /** Writes the pending report now, if there is one (at shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.report();
  }

  private report(): void {
    this.timer = undefined;
    const byReason = this.pending;
    const failed = byReason.refused;
    const dropped = byReason.queueFull + byReason.tooLarge + byReason.invalid + byReason.shutdown;
    if (dropped + failed === 0) return;
    this.pending = { ...NONE };
    this.lastReportAt = Date.now();
    try {
      const stats = this.state.stats();
      const message = this.describe(byReason, stats);
      warn(message);
      this.listener?.({ queue: this.queue, dropped, failed, byReason, lastError: this.lastError, stats, message });
    } catch (error) {
      handleError('reporting lost records', error);
    }
  }

  private describe(r: DataLossReasons, stats: ProcessorStats): string {
    const what = QUEUE_ITEMS[this.queue];
    const parts: string[] = [];
    if (r.queueFull > 0) {
      const since = this.state.failingSince();
      const outage = since === undefined ? '' : `, the collector unreachable or busy for ${Math.round((Date.now() - since) / 1000)} s`;
      parts.push(`${r.queueFull} dropped because the queue was full${outage}`);
    }
    if (r.tooLarge > 0) parts.push(`${r.tooLarge} dropped as larger than maxExportBatchBytes`);
    if (r.invalid > 0) parts.push(`${r.invalid} left out as invalid`);
    if (r.shutdown > 0) parts.push(`${r.shutdown} dropped at shutdown, not delivered in time`);
    if (r.refused > 0) parts.push(`${r.refused} refused by the collector`);
    const error = this.lastError ? `; last error: ${this.lastError}` : '';
    return (
      `lost ${r.queueFull + r.tooLarge + r.invalid + r.shutdown + r.refused} ${what}: ${parts.join(', ')}${error}. ` +
      `Since start: exported ${stats.exported}, dropped ${stats.dropped}, failed ${stats.failed}, queued ${stats.queued} (monitor.stats())`
    );
  }
}
