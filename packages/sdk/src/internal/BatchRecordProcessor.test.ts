import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { DataLossReport } from '../DataLossReport.js';
import { RetryableExportError } from '../RetryableExportError.js';
import { BatchRecordProcessor, type RecordExporter } from './BatchRecordProcessor.js';

interface Rec {
  id: number;
}

type Answer = 'ok' | 'refuse' | { retryAfter: number | undefined } | { rejected: number } | 'hang';

/** Answers each export from `script` in turn ('ok' once it runs out); keeps every batch it was given (ids). */
function scripted(...script: Answer[]): RecordExporter<Rec> & { batches: number[][]; delivered: number[] } {
  return {
    batches: [],
    delivered: [],
    async export(batch) {
      this.batches.push(batch.map((r) => r.id));
      const answer = script.shift() ?? 'ok';
      if (answer === 'hang') return new Promise<ExportResult>(() => {});
      if (answer === 'refuse') return { code: ExportResultCode.FAILED, error: new Error('HTTP 400: bad record') };
      if (typeof answer === 'object' && 'retryAfter' in answer) return { code: ExportResultCode.FAILED, error: new RetryableExportError('connect ECONNREFUSED', { retryAfterMillis: answer.retryAfter }) };
      this.delivered.push(...batch.map((r) => r.id));
      if (typeof answer === 'object' && 'rejected' in answer) return { code: ExportResultCode.SUCCESS, rejected: answer.rejected, rejectedReason: 'collector rejected 1 records: record 0: model: required' } as ExportResult;
      return { code: ExportResultCode.SUCCESS };
    },
    async shutdown() {},
  };
}

const recs = (from: number, to: number): Rec[] => Array.from({ length: to - from }, (_, i) => ({ id: from + i }));
const range = (from: number, to: number): number[] => recs(from, to).map((r) => r.id);
const sum = (s: { exported: number; dropped: number; failed: number; queued: number }) => s.exported + s.dropped + s.failed + s.queued;

/** Polls `ok` every few ms until it holds, or fails after `ms`. */
async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const warnings: string[] = [];
function captureDiag(): void {
  const log = (m: string) => warnings.push(m);
  diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.INFO);
}
afterEach(() => {
  diag.disable();
  warnings.length = 0;
});

describe('BatchRecordProcessor: delivery through failures', () => {
  it('keeps a batch that failed retryably at the head of the queue and sends it again after the hinted wait, until delivered, once, in order', async () => {
    captureDiag();
    // The first wait is long enough that the check below cannot outlast it on a loaded machine.
    const exporter = scripted({ retryAfter: 1000 }, { retryAfter: 30 }, { retryAfter: 30 });
    const p = new BatchRecordProcessor(exporter, { maxExportBatchSize: 4, scheduledDelayMillis: 60_000 });
    for (const r of recs(0, 4)) p.onEndSized(r, 10);
    await until(() => exporter.batches.length === 1);
    expect(p.stats()).toEqual({ exported: 0, dropped: 0, failed: 0, queued: 4 });
    // Full batches arriving during the backoff wait for it: nothing goes out early.
    for (const r of recs(4, 8)) p.onEndSized(r, 10);
    await new Promise((r) => setTimeout(r, 10));
    expect(exporter.batches).toHaveLength(1);
    await until(() => p.stats().queued === 0, 5000);
    expect(exporter.batches).toEqual([range(0, 4), range(0, 4), range(0, 4), range(0, 4), range(4, 8)]);
    expect(exporter.delivered).toEqual(range(0, 8));
    expect(p.stats()).toEqual({ exported: 8, dropped: 0, failed: 0, queued: 0 });
    // One warning when the failures began, one note when they ended; nothing was lost, so no loss report.
    expect(warnings.filter((w) => w.includes('cannot deliver prediction records (connect ECONNREFUSED)'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('delivering prediction records again after 3 failed attempts'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('lost'))).toEqual([]);
    await p.shutdown(1000);
  });

  it('while it cannot deliver, a full queue pushes the oldest waiting records out (counted dropped and reported); the rest arrive once the backend is back', async () => {
    captureDiag();
    const reports: DataLossReport[] = [];
    let retrying = true;
    const exporter: RecordExporter<Rec> & { delivered: number[]; attempts: number[][] } = {
      delivered: [],
      attempts: [],
      async export(batch) {
        if (retrying) this.attempts.push(batch.map((r) => r.id));
        if (retrying) return { code: ExportResultCode.FAILED, error: new RetryableExportError('HTTP 503', { retryAfterMillis: 5 }) };
        this.delivered.push(...batch.map((r) => r.id));
        return { code: ExportResultCode.SUCCESS };
      },
      async shutdown() {},
    };
    const p = new BatchRecordProcessor(exporter, { maxQueueSize: 10, maxExportBatchSize: 4, scheduledDelayMillis: 1 }, { onDataLoss: (r) => reports.push(r), lossReportIntervalMillis: 50 });
    let produced = 0;
    for (let round = 0; round < 20; round++) {
      for (const r of recs(produced, produced + 3)) p.onEndSized(r, 10);
      produced += 3;
      expect(sum(p.stats())).toBe(produced);
      expect(p.stats().queued).toBeLessThanOrEqual(10);
      await new Promise((r) => setTimeout(r, 3));
    }
    const during = p.stats();
    expect(during.exported).toBe(0);
    expect(during.queued).toBe(10);
    expect(during.dropped).toBe(produced - 10);
    retrying = false;
    await until(() => p.stats().queued === 0);
    // The first attempt's batch stayed (it may have been stored: its retry is the same request),
    // and the newest records filled the rest of the queue; each delivered once; exact accounting.
    const first = exporter.attempts[0]!;
    expect(first.length).toBeGreaterThan(0);
    expect(exporter.attempts.length).toBeGreaterThan(1);
    expect(exporter.attempts.every((a) => a.join() === first.join())).toBe(true);
    expect(exporter.delivered).toEqual([...first, ...range(produced - 10 + first.length, produced)]);
    expect(p.stats()).toEqual({ exported: 10, dropped: produced - 10, failed: 0, queued: 0 });
    // Losses reported through the listener (rate-limited) and diag, adding up to the dropped count.
    await until(() => reports.reduce((n, r) => n + r.dropped, 0) === produced - 10, 2000);
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.length).toBeLessThan(produced - 10);
    expect(reports[0]).toMatchObject({ queue: 'predictions', failed: 0, byReason: { queueFull: reports[0].dropped, refused: 0 }, lastError: 'HTTP 503' });
    expect(reports[0].message).toMatch(/^lost \d+ prediction records: \d+ dropped because the queue was full, the collector unreachable or busy for \d+ s; last error: HTTP 503\. Since start: exported 0/);
    expect(warnings.filter((w) => w.includes('lost')).length).toBe(reports.length);
    await p.shutdown(1000);
  });

  it('re-sends exactly the batch of a failed attempt, not a larger one, although more records arrived meanwhile: the retry is the same request', async () => {
    const exporter = scripted({ retryAfter: 30 }, { retryAfter: 30 });
    const p = new BatchRecordProcessor(exporter, { maxExportBatchSize: 8, scheduledDelayMillis: 1 });
    for (const r of recs(0, 3)) p.onEndSized(r, 10);
    await until(() => exporter.batches.length === 1);
    for (const r of recs(3, 8)) p.onEndSized(r, 10);
    await until(() => p.stats().queued === 0);
    expect(exporter.batches).toEqual([range(0, 3), range(0, 3), range(0, 3), range(3, 8)]);
    expect(exporter.delivered).toEqual(range(0, 8));
    await p.shutdown(1000);
  });

  it("counts only refusals as failed: a plain FAILED, and the records a success's reply names", async () => {
    const reports: DataLossReport[] = [];
    const exporter = scripted('refuse', { rejected: 1 });
    const p = new BatchRecordProcessor(exporter, { maxExportBatchSize: 3, scheduledDelayMillis: 60_000 }, { queue: 'feedback', onDataLoss: (r) => reports.push(r), lossReportIntervalMillis: 1 });
    for (const r of recs(0, 6)) p.onEndSized(r, 10);
    await p.forceFlush();
    expect(exporter.batches).toEqual([range(0, 3), range(3, 6)]);
    expect(p.stats()).toEqual({ exported: 2, dropped: 0, failed: 4, queued: 0 });
    await until(() => reports.reduce((n, r) => n + r.failed, 0) === 4);
    expect(reports.every((r) => r.queue === 'feedback' && r.dropped === 0 && r.byReason.refused === r.failed)).toBe(true);
    await p.shutdown(1000);
  });

  it('forceFlush during an outage tries once and returns, leaving the records queued for the retry', async () => {
    const exporter = scripted({ retryAfter: 60_000 });
    const p = new BatchRecordProcessor(exporter, { scheduledDelayMillis: 60_000 });
    for (const r of recs(0, 3)) p.onEndSized(r, 10);
    const started = Date.now();
    await p.forceFlush();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(p.stats()).toEqual({ exported: 0, dropped: 0, failed: 0, queued: 3 });
    // An explicit flush does not wait for the backoff.
    await p.forceFlush();
    expect(exporter.batches).toEqual([range(0, 3), range(0, 3)]);
    expect(p.stats()).toEqual({ exported: 3, dropped: 0, failed: 0, queued: 0 });
    await p.shutdown(1000);
  });

  it('shutdown retries through a short outage while its deadline allows, then counts what is left as dropped', async () => {
    const short = scripted({ retryAfter: 20 }, { retryAfter: 20 });
    const p1 = new BatchRecordProcessor(short, { scheduledDelayMillis: 60_000 });
    for (const r of recs(0, 5)) p1.onEndSized(r, 10);
    await p1.shutdown(2000);
    expect(short.batches).toHaveLength(3);
    expect(p1.stats()).toEqual({ exported: 5, dropped: 0, failed: 0, queued: 0 });

    const reports: DataLossReport[] = [];
    const long = scripted({ retryAfter: 60_000 });
    const p2 = new BatchRecordProcessor(long, { scheduledDelayMillis: 60_000 }, { onDataLoss: (r) => reports.push(r) });
    for (const r of recs(0, 5)) p2.onEndSized(r, 10);
    const started = Date.now();
    await p2.shutdown(300);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(long.batches).toHaveLength(1);
    expect(p2.stats()).toEqual({ exported: 0, dropped: 5, failed: 0, queued: 0 });
    // The last report is written at shutdown, not left to a timer.
    expect(reports.map((r) => r.byReason.shutdown)).toEqual([5]);
    p2.onEndSized({ id: 9 }, 10);
    expect(p2.stats().dropped).toBe(6);
  });

  it('a listener that throws is caught and logged, and reporting carries on', async () => {
    captureDiag();
    let calls = 0;
    const p = new BatchRecordProcessor(scripted(), { maxExportBatchBytes: 20 }, {
      onDataLoss: () => {
        calls++;
        throw new Error('listener broke');
      },
      lossReportIntervalMillis: 1,
    });
    p.onEndSized({ id: 1 }, 100); // larger than a batch may be
    await until(() => calls === 1);
    p.onEndSized({ id: 2 }, 100);
    await until(() => calls === 2);
    expect(p.stats()).toEqual({ exported: 0, dropped: 2, failed: 0, queued: 0 });
    expect(warnings.filter((w) => w.includes('reporting lost records: Error: listener broke'))).toHaveLength(2);
    expect(warnings.filter((w) => w.includes('1 dropped as larger than maxExportBatchBytes'))).toHaveLength(2);
    await p.shutdown(100);
  });
});
