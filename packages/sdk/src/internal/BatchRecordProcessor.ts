import { ExportResultCode, type ExportResult } from '../ExportResult.js';
import { failedResult } from './failed-result.js';
import type { BatchProcessorConfig } from '../BatchProcessorConfig.js';
import type { ProcessorStats } from '../ProcessorStats.js';
import { handleError, info, warn } from './handle-error.js';
import { withDeadline } from './deadline.js';
import { errorMessage, isRetryable, rejectedOf } from './export-outcome.js';
import { backoffDelay } from './export/retry.js';
import { recordJson } from './export/record-json.js';
import { serializedLines } from './export/serialized-lines.js';
import { LossReporter, QUEUE_ITEMS, type DataLossListener, type LossReason, type QueueName } from './LossReporter.js';

/** What the processor needs of an exporter (predictions or feedback). */
export interface RecordExporter<T> {
  export(batch: readonly T[]): Promise<ExportResult>;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Options of the engine that are not part of the public `BatchProcessorConfig`. */
export interface ProcessorOptions {
  /** Which queue this is, in warnings and loss reports. @default 'predictions' */
  queue?: QueueName;
  /** Called with each loss report (see `MonitorOptions.onDataLoss`). */
  onDataLoss?: DataLossListener;
  /** Shortest time between two loss reports (tests shorten it). @default 10000 */
  lossReportIntervalMillis?: number;
}

const DEFAULTS: Required<BatchProcessorConfig> = {
  maxQueueSize: 2048,
  maxQueueBytes: 8 * 1024 * 1024,
  maxExportBatchSize: 512,
  maxExportBatchBytes: 1024 * 1024,
  scheduledDelayMillis: 1000,
};

/** Backoff between attempts when the exporter does not say how long to wait (a custom exporter). */
const DEFAULT_BACKOFF = { initialBackoffMillis: 1000, maxBackoffMillis: 5000 };
/** Longest wait an exporter's hint can ask for. */
const MAX_RETRY_WAIT_MILLIS = 5 * 60_000;
/** Shortest time between two "cannot deliver" warnings (a flapping collector). */
const OUTAGE_WARNING_INTERVAL_MILLIS = 60_000;

/**
 * The batching engine behind `BatchPredictionProcessor` and the feedback queue. `onEnd` only
 * measures and enqueues; exports start from a timer or `setImmediate`, one batch at a time,
 * never on the caller's stack.
 *
 * Delivery: a batch whose export fails with a retryable error (`RetryableExportError`: the
 * collector unreachable, slow, or answering 408/429/5xx) goes back to the head of the queue and
 * is exported again after a backoff (the exporter's hint, else exponential with jitter), for as
 * long as it takes. The queue's bounds (records and bytes, the batch in an export attempt
 * included) hold throughout: when a record does not fit, the oldest waiting records make room
 * and are counted `dropped`. Only a refusal (`FAILED` without `retryable`, records the
 * collector's reply names) counts `failed`. Every loss is reported by a `LossReporter`.
 */
export class BatchRecordProcessor<T> {
  private readonly config: Required<BatchProcessorConfig>;
  /** Queued records, oldest first, and their sizes (two arrays: no object per record). */
  private queue: T[] = [];
  private sizes: number[] = [];
  private queuedBytes = 0;
  /** Records and bytes of the batch in an export attempt (one at a time); they count against the bounds too. */
  private inFlight = 0;
  private inFlightBytes = 0;
  private exported = 0;
  private dropped = 0;
  private failed = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /**
   * The records at the head of the queue that a failed attempt sent (0 when none): the next
   * attempt re-sends exactly them, and the bounds push other records out rather than them, so a
   * retry is the same request, byte for byte, which the collector recognises (its first attempt
   * may have been stored although its answer never came) and stores nothing of twice.
   */
  private retrySize = 0;
  /** Set while backing off after a retryable failure: nothing is exported until it fires (or a flush). */
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private stopped = false;
  /** Set once shutdown has counted what it gave up on: an export that settles later is not counted again. */
  private abandoned = false;
  /** Consecutive retryable failures, and when the first of them happened. */
  private failures = 0;
  private failingSince: number | undefined;
  private lastOutageWarning = -Infinity;
  private readonly queueName: QueueName;
  private readonly loss: LossReporter;

  constructor(
    private readonly exporter: RecordExporter<T>,
    config: BatchProcessorConfig = {},
    options: ProcessorOptions = {},
  ) {
    const merged = { ...DEFAULTS };
    for (const [key, value] of Object.entries(config ?? {}) as [keyof BatchProcessorConfig, number | undefined][]) {
      if (!(key in DEFAULTS)) continue;
      if (value !== undefined && Number.isFinite(value) && value >= 0) merged[key] = value;
      else if (value !== undefined) warn(`batch option ${key}: expected a number >= 0, got ${String(value)}; using ${merged[key]}`);
    }
    merged.maxExportBatchSize = Math.max(1, Math.min(merged.maxExportBatchSize, merged.maxQueueSize));
    merged.maxExportBatchBytes = Math.min(merged.maxExportBatchBytes, merged.maxQueueBytes);
    this.config = merged;
    this.queueName = options.queue ?? 'predictions';
    this.loss = new LossReporter(
      this.queueName,
      { stats: () => this.stats(), failingSince: () => this.failingSince },
      options.onDataLoss,
      options.lossReportIntervalMillis,
    );
  }

  /**
   * Enqueues one record, or drops and counts it. Never throws, never exports synchronously.
   * The record is serialized here, once: its size counts against the byte bounds, and that
   * line is what the HTTP exporter sends (so a record changed later goes out as it was).
   */
  onEnd(record: T): void {
    try {
      if (this.stopped) return this.lose('shutdown', 1);
      const line = recordJson(record);
      const bytes = Buffer.byteLength(line) + 1;
      if (this.admit(record, bytes) && typeof record === 'object' && record !== null) serializedLines.set(record, line);
    } catch (error) {
      this.lose('invalid', 1, errorMessage(error));
      handleError('enqueueing a record', error);
    }
  }

  /**
   * Enqueues a record whose size the caller already knows (an upper bound of its NDJSON line,
   * newline included), without serializing it; the exporter serializes it when it sends the
   * batch. Only for records nobody else holds, which cannot change after this call (the
   * monitor's own). Never throws, never exports synchronously.
   */
  onEndSized(record: T, bytes: number): void {
    try {
      if (this.stopped) return this.lose('shutdown', 1);
      this.admit(record, bytes);
    } catch (error) {
      this.lose('invalid', 1, errorMessage(error));
      handleError('enqueueing a record', error);
    }
  }

  /** Applies the bounds, pushing the oldest waiting records out to make room; true when the record was queued. */
  private admit(record: T, bytes: number): boolean {
    const { maxQueueSize, maxQueueBytes, maxExportBatchBytes } = this.config;
    if (bytes > maxExportBatchBytes) {
      this.lose('tooLarge', 1);
      return false;
    }
    while (this.queue.length + this.inFlight >= maxQueueSize || this.queuedBytes + this.inFlightBytes + bytes > maxQueueBytes) {
      // Only the batch of an export attempt, or of a failed one about to be re-sent, is left: it
      // stays (it may be delivered, or already stored), the new record goes.
      if (this.queue.length <= this.retrySize) {
        this.lose('queueFull', 1);
        return false;
      }
      this.queue.splice(this.retrySize, 1);
      this.queuedBytes -= this.sizes.splice(this.retrySize, 1)[0]!;
      this.lose('queueFull', 1);
    }
    this.queue.push(record);
    this.sizes.push(bytes);
    this.queuedBytes += bytes;
    if (this.hasFullBatch()) this.kick();
    else this.arm();
    return true;
  }

  /** Counts since start; see `ProcessorStats`. */
  stats(): ProcessorStats {
    return { exported: this.exported, dropped: this.dropped, failed: this.failed, queued: this.queue.length + this.inFlight };
  }

  /** Counts records dropped before they reached the queue (invalid ones), so that the totals stay exact. */
  countDropped(n = 1): void {
    this.lose('invalid', n);
  }

  /**
   * Exports every record queued now (at once, even while backing off after a failure), then
   * flushes the exporter. A retryable failure ends it early: the records stay queued, to be
   * retried after the backoff. Never rejects.
   */
  async forceFlush(): Promise<void> {
    try {
      this.clearRetry();
      await this.drain(true);
      await this.exporter.forceFlush?.();
    } catch (error) {
      handleError('flushing', error);
    }
  }

  /**
   * Stops accepting records and exports what is queued within `timeoutMillis`, retrying
   * through a failure while time is left; then shuts the exporter down (which aborts an export
   * still running). What could not be delivered is counted as dropped. Never rejects.
   */
  shutdown(timeoutMillis = 30_000): Promise<void> {
    this.stopping ??= this.stop(timeoutMillis);
    return this.stopping;
  }

  private async stop(timeoutMillis: number): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    this.clearTimers();
    for (;;) {
      const settled = await withDeadline(this.forceFlush(), deadline - Date.now());
      if (!settled || (this.queue.length === 0 && this.inFlight === 0) || this.retryTimer === undefined) break;
      // A retryable failure: wait for the backoff if it ends in time, then try again.
      const wait = this.retryAt - Date.now();
      if (Date.now() + wait >= deadline) break;
      this.clearRetry();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
    }
    this.stopped = true;
    this.clearTimers();
    try {
      await withDeadline(this.exporter.shutdown(), Math.max(0, deadline - Date.now()));
    } catch (error) {
      handleError('shutting down the exporter', error);
    }
    // The exporter aborted its request; give the export a moment to settle and be counted.
    if (this.running) await withDeadline(this.running, Math.max(100, deadline - Date.now()));
    const left = this.queue.length + this.inFlight;
    this.abandoned = true;
    this.inFlight = 0;
    this.inFlightBytes = 0;
    this.queue = [];
    this.sizes = [];
    this.retrySize = 0;
    this.queuedBytes = 0;
    this.lose('shutdown', left);
    this.loss.flush();
  }

  /** Counts `n` lost records: `refused` ones as failed, the others as dropped. */
  private lose(reason: LossReason, n: number, error?: string): void {
    if (n <= 0) return;
    if (reason === 'refused') this.failed += n;
    else this.dropped += n;
    this.loss.count(reason, n, error);
  }

  private arm(): void {
    if (this.timer || this.immediate || this.running || this.retryTimer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain(true);
    }, this.config.scheduledDelayMillis);
    this.timer.unref();
  }

  private kick(): void {
    if (this.immediate || this.running || this.retryTimer) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.drain(false);
    });
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.clearRetry();
  }

  /**
   * Exports batches one after the other: with `all`, every record queued when the run starts
   * (not those that arrive while it runs: under steady load, "until the queue is empty" never
   * ends and sends a small batch of whatever arrived during the previous export, again and
   * again), then, as without `all`, only full batches. A retryable failure ends the run (the
   * retry timer starts the next). Concurrent callers share the same run.
   */
  private drain(all: boolean): Promise<void> {
    if (this.running) {
      return this.running.then(() => (all && this.queue.length > 0 && !this.retryTimer && !this.stopped ? this.drain(all) : undefined));
    }
    this.running = (async () => {
      // Yield first: the body must not finish before `this.running` is assigned, or the
      // `finally` below would clear it too early and leave a settled promise behind.
      await undefined;
      let due = all ? this.queue.length : 0;
      try {
        while (this.queue.length > 0 && (due > 0 || this.hasFullBatch())) {
          const n = await this.exportOne();
          if (n === 0) break;
          due -= n;
        }
      } catch (error) {
        handleError('exporting', error);
      } finally {
        this.running = undefined;
      }
      if (!this.stopped && this.queue.length > 0 && !this.retryTimer) {
        if (this.hasFullBatch()) this.kick();
        else this.arm();
      }
    })();
    return this.running;
  }

  private hasFullBatch(): boolean {
    return this.queue.length >= this.config.maxExportBatchSize || this.queuedBytes >= this.config.maxExportBatchBytes;
  }

  /** Exports the oldest batch; resolves with its record count, or 0 when it went back to the queue to be retried. */
  private async exportOne(): Promise<number> {
    let n = 0;
    let bytes = 0;
    if (this.retrySize > 0) {
      // The failed attempt's records, as they were: the same request again.
      for (; n < this.retrySize; n++) bytes += this.sizes[n];
      this.retrySize = 0;
    } else {
      while (n < this.queue.length && n < this.config.maxExportBatchSize && bytes + this.sizes[n] <= this.config.maxExportBatchBytes) {
        bytes += this.sizes[n];
        n++;
      }
    }
    if (n === 0) return 0;
    const batch = this.queue.splice(0, n);
    const batchSizes = this.sizes.splice(0, n);
    this.queuedBytes -= bytes;
    this.inFlight = n;
    this.inFlightBytes = bytes;
    let result: ExportResult;
    try {
      result = await this.exporter.export(batch);
    } catch (error) {
      result = failedResult(error);
    }
    if (this.abandoned) return n; // shutdown already counted this batch as dropped
    this.inFlight = 0;
    this.inFlightBytes = 0;
    if (result.code === ExportResultCode.SUCCESS) {
      const rejected = rejectedOf(result, n);
      this.exported += n - rejected;
      if (rejected > 0) this.lose('refused', rejected, (result as { rejectedReason?: string }).rejectedReason);
      this.delivered();
      return n;
    }
    const message = errorMessage(result.error);
    if (this.stopped) {
      this.lose('shutdown', n, message); // aborted by shutdown: neither delivered nor refused
      return n;
    }
    if (isRetryable(result.error)) {
      this.queue = batch.concat(this.queue);
      this.sizes = batchSizes.concat(this.sizes);
      this.queuedBytes += bytes;
      this.retrySize = n;
      this.retryLater(result.error.retryAfterMillis, message);
      return 0;
    }
    this.lose('refused', n, message);
    return n;
  }

  /** Backs off after a retryable failure: nothing is exported until the wait is over (or a flush). */
  private retryLater(hint: number | undefined, message: string): void {
    this.failures++;
    this.failingSince ??= Date.now();
    this.loss.noteError(message);
    const wait = typeof hint === 'number' && Number.isFinite(hint) && hint >= 0 ? Math.min(hint, MAX_RETRY_WAIT_MILLIS) : backoffDelay(this.failures, DEFAULT_BACKOFF);
    if (this.failures === 1 && Date.now() - this.lastOutageWarning >= OUTAGE_WARNING_INTERVAL_MILLIS) {
      this.lastOutageWarning = Date.now();
      const { maxQueueSize, maxQueueBytes } = this.config;
      warn(
        `cannot deliver ${QUEUE_ITEMS[this.queueName]} (${message}); ` +
          `keeping them queued and retrying with backoff. The queue holds ${maxQueueSize} items / ${maxQueueBytes} bytes; beyond that the oldest are dropped`,
      );
    }
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.clearRetry();
    this.retryAt = Date.now() + wait;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.drain(true);
    }, wait);
    this.retryTimer.unref();
  }

  /** An export went through: a run of failures is over. */
  private delivered(): void {
    if (this.failures > 0) {
      const seconds = Math.round((Date.now() - (this.failingSince ?? Date.now())) / 1000);
      info(`delivering ${QUEUE_ITEMS[this.queueName]} again after ${this.failures} failed attempts over ${seconds} s`);
    }
    this.failures = 0;
    this.failingSince = undefined;
  }
}
