import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { failedResult } from './failed-result.js';
import type { BatchProcessorConfig } from '../BatchProcessorConfig.js';
import type { ProcessorStats } from '../ProcessorStats.js';
import { handleError, warn } from './handle-error.js';
import { withDeadline } from './deadline.js';
import { serializedLines } from './export/serialized-lines.js';

/** What the processor needs of an exporter (predictions or feedback). */
export interface RecordExporter<T> {
  export(batch: readonly T[]): Promise<ExportResult>;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

const DEFAULTS: Required<BatchProcessorConfig> = {
  maxQueueSize: 2048,
  maxQueueBytes: 8 * 1024 * 1024,
  maxExportBatchSize: 512,
  maxExportBatchBytes: 1024 * 1024,
  scheduledDelayMillis: 1000,
};

/**
 * The batching engine behind `BatchPredictionProcessor` and the feedback
 * queue. `onEnd` only measures and enqueues; exports start from a timer or
 * `setImmediate`, one batch at a time, never on the caller's stack.
 */
export class BatchRecordProcessor<T> {
  private readonly config: Required<BatchProcessorConfig>;
  /** Queued records, oldest first, and their sizes (two arrays: no object per record). */
  private queue: T[] = [];
  private sizes: number[] = [];
  private queuedBytes = 0;
  private inFlight = 0;
  private exported = 0;
  private dropped = 0;
  private failed = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private warnedFull = false;

  constructor(
    private readonly exporter: RecordExporter<T>,
    config: BatchProcessorConfig = {},
  ) {
    const merged = { ...DEFAULTS };
    for (const [key, value] of Object.entries(config) as [keyof BatchProcessorConfig, number | undefined][]) {
      if (value !== undefined && Number.isFinite(value) && value >= 0) merged[key] = value;
      else if (value !== undefined) warn(`batch option ${key}: expected a number >= 0, got ${String(value)}; using ${merged[key]}`);
    }
    merged.maxExportBatchSize = Math.max(1, Math.min(merged.maxExportBatchSize, merged.maxQueueSize));
    this.config = merged;
  }

  /**
   * Enqueues one record, or drops and counts it. Never throws, never exports synchronously.
   * The record is serialized here, once: its size counts against the byte bounds, and that
   * line is what the HTTP exporter sends (so a record changed later goes out as it was).
   */
  onEnd(record: T): void {
    try {
      if (this.stopped) {
        this.dropped++;
        return;
      }
      const line = JSON.stringify(record);
      const bytes = Buffer.byteLength(line) + 1;
      if (this.admit(record, bytes) && typeof record === 'object' && record !== null) serializedLines.set(record, line);
    } catch (error) {
      this.dropped++;
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
      if (this.stopped) {
        this.dropped++;
        return;
      }
      this.admit(record, bytes);
    } catch (error) {
      this.dropped++;
      handleError('enqueueing a record', error);
    }
  }

  /** Applies the bounds, then queues the record or drops and counts it; true when queued. */
  private admit(record: T, bytes: number): boolean {
    if (bytes > this.config.maxExportBatchBytes) {
      this.dropped++;
      warn(`dropped a record of ${bytes} bytes, over maxExportBatchBytes (${this.config.maxExportBatchBytes})`);
      return false;
    }
    if (this.queue.length >= this.config.maxQueueSize || this.queuedBytes + bytes > this.config.maxQueueBytes) {
      this.dropped++;
      if (!this.warnedFull) {
        this.warnedFull = true;
        warn('queue full: dropping records until it drains (see stats().dropped)');
      }
      return false;
    }
    this.warnedFull = false;
    this.queue.push(record);
    this.sizes.push(bytes);
    this.queuedBytes += bytes;
    if (this.queue.length >= this.config.maxExportBatchSize || this.queuedBytes >= this.config.maxExportBatchBytes) this.kick();
    else this.arm();
    return true;
  }

  /** Counts since start; see `ProcessorStats`. */
  stats(): ProcessorStats {
    return { exported: this.exported, dropped: this.dropped, failed: this.failed, queued: this.queue.length + this.inFlight };
  }

  /** Counts records dropped before they reached the queue (e.g. invalid ones), so that the totals stay exact. */
  countDropped(n = 1): void {
    this.dropped += n;
  }

  /** Exports every record queued now, then flushes the exporter. Never rejects. */
  async forceFlush(): Promise<void> {
    try {
      await this.drain(true);
      await this.exporter.forceFlush?.();
    } catch (error) {
      handleError('flushing', error);
    }
  }

  /**
   * Stops accepting records, exports what is queued within `timeoutMillis`,
   * then shuts the exporter down (which aborts an export still running).
   * What could not be sent is counted as dropped. Never rejects.
   */
  async shutdown(timeoutMillis = 30_000): Promise<void> {
    if (this.stopped) return;
    const deadline = Date.now() + timeoutMillis;
    this.clearTimers();
    await withDeadline(this.forceFlush(), timeoutMillis);
    this.stopped = true;
    this.clearTimers();
    try {
      await withDeadline(this.exporter.shutdown(), Math.max(0, deadline - Date.now()));
    } catch (error) {
      handleError('shutting down the exporter', error);
    }
    // The exporter aborted its request; give the export a moment to settle and be counted.
    if (this.running) await withDeadline(this.running, Math.max(100, deadline - Date.now()));
    this.dropped += this.queue.length + this.inFlight;
    this.inFlight = 0;
    this.queue = [];
    this.sizes = [];
    this.queuedBytes = 0;
  }

  private arm(): void {
    if (this.timer || this.immediate || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain(true);
    }, this.config.scheduledDelayMillis);
    this.timer.unref();
  }

  private kick(): void {
    if (this.immediate || this.running) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.drain(false);
    });
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /**
   * Exports batches one after the other: with `all`, every record queued when the run starts
   * (not those that arrive while it runs: under steady load, "until the queue is empty" never
   * ends and sends a small batch of whatever arrived during the previous export, again and
   * again), then, as without `all`, only full batches. Concurrent callers share the same run.
   */
  private drain(all: boolean): Promise<void> {
    if (this.running) return this.running.then(() => (this.queue.length > 0 && all ? this.drain(all) : undefined));
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
      if (!this.stopped && this.queue.length > 0) {
        if (this.hasFullBatch()) this.kick();
        else this.arm();
      }
    })();
    return this.running;
  }

  private hasFullBatch(): boolean {
    return this.queue.length >= this.config.maxExportBatchSize || this.queuedBytes >= this.config.maxExportBatchBytes;
  }

  /** Exports the oldest batch; resolves with its record count. */
  private async exportOne(): Promise<number> {
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < this.config.maxExportBatchSize && bytes + this.sizes[n] <= this.config.maxExportBatchBytes) {
      bytes += this.sizes[n];
      n++;
    }
    const batch = this.queue.splice(0, n);
    this.sizes.splice(0, n);
    this.queuedBytes -= bytes;
    this.inFlight += batch.length;
    let result: ExportResult;
    try {
      result = await this.exporter.export(batch);
    } catch (error) {
      result = failedResult(error);
    }
    if (this.inFlight === 0) return batch.length; // shutdown already counted this batch as dropped
    this.inFlight -= batch.length;
    if (result.code === ExportResultCode.SUCCESS) this.exported += batch.length;
    else {
      this.failed += batch.length;
      handleError(`export of ${batch.length} records failed`, result.error ?? 'no reason given');
    }
    return batch.length;
  }
}
