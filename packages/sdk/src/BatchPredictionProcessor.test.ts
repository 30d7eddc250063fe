import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PredictionRecord } from '@inferlens/semconv';
import { describe, expect, it } from 'vitest';
import { BatchPredictionProcessor } from './BatchPredictionProcessor.js';
import type { PredictionExporter } from './PredictionExporter.js';

const rec = (i: number, pad = 0): PredictionRecord => ({ predictionId: `p-${i}`, model: 'm', attributes: pad ? { pad: 'x'.repeat(pad) } : {} });

/** An exporter whose exports finish only when the test says so. */
class GatedExporter implements PredictionExporter {
  batches: PredictionRecord[][] = [];
  private waiting: ((r: ExportResult) => void)[] = [];
  private arrived: (() => void)[] = [];
  export(batch: readonly PredictionRecord[]): Promise<ExportResult> {
    this.batches.push([...batch]);
    this.arrived.splice(0).forEach((f) => f());
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  async nextBatch(): Promise<void> {
    if (this.waiting.length > 0) return;
    await new Promise<void>((r) => this.arrived.push(r));
  }
  release(code = ExportResultCode.SUCCESS): void {
    this.waiting.shift()?.({ code });
  }
  async shutdown(): Promise<void> {
    this.waiting.splice(0).forEach((r) => r({ code: ExportResultCode.FAILED }));
  }
}

describe('BatchPredictionProcessor', () => {
  it('a timed flush sends what was queued when it fired, then goes back to full batches (no trickle of small batches under steady load)', async () => {
    const exporter = new GatedExporter();
    const p = new BatchPredictionProcessor(exporter, { maxExportBatchSize: 4, scheduledDelayMillis: 20 });
    for (let i = 0; i < 2; i++) p.onEnd(rec(i));
    await exporter.nextBatch(); // the timer's flush: the two queued records
    expect(exporter.batches[0]).toHaveLength(2);
    p.onEnd(rec(2)); // arrives while that export runs
    exporter.release();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(exporter.batches).toHaveLength(1); // not sent at once as a batch of one (it waits for a full batch or the timer)
    for (let i = 3; i < 6; i++) p.onEnd(rec(i));
    await exporter.nextBatch();
    expect(exporter.batches[1].map((r) => r.predictionId)).toEqual(['p-2', 'p-3', 'p-4', 'p-5']);
    exporter.release();
    await p.forceFlush();
    expect(p.stats()).toMatchObject({ exported: 6, queued: 0, dropped: 0 });
    await p.shutdown();
  });

  it('exports a full batch without waiting for the delay, never on the caller stack', async () => {
    const exporter = new GatedExporter();
    const p = new BatchPredictionProcessor(exporter, { maxExportBatchSize: 3, scheduledDelayMillis: 60_000 });
    for (let i = 0; i < 3; i++) p.onEnd(rec(i));
    expect(exporter.batches).toHaveLength(0); // not synchronously
    await exporter.nextBatch();
    expect(exporter.batches[0].map((r) => r.predictionId)).toEqual(['p-0', 'p-1', 'p-2']);
    exporter.release();
    await p.forceFlush();
    expect(p.stats()).toEqual({ exported: 3, dropped: 0, failed: 0, queued: 0 });
  });

  it('splits batches by bytes', async () => {
    const exporter = new GatedExporter();
    const p = new BatchPredictionProcessor(exporter, { maxExportBatchBytes: 2500, scheduledDelayMillis: 60_000 });
    for (let i = 0; i < 4; i++) p.onEnd(rec(i, 1000));
    const flushed = p.forceFlush();
    for (let i = 0; i < 2; i++) {
      await exporter.nextBatch();
      exporter.release();
    }
    await flushed;
    expect(exporter.batches.map((b) => b.length)).toEqual([2, 2]);
  });

  it('bounds what it holds (the batch being exported included) by records and by bytes, pushing the oldest waiting records out', async () => {
    const exporter = new GatedExporter();
    const byCount = new BatchPredictionProcessor(exporter, { maxQueueSize: 8, maxExportBatchSize: 5, scheduledDelayMillis: 60_000 });
    for (let i = 0; i < 5; i++) byCount.onEnd(rec(i));
    await exporter.nextBatch(); // p-0..p-4 in flight: they stay
    for (let i = 5; i < 15; i++) byCount.onEnd(rec(i));
    // 8 held at most: the 5 in flight and the 3 newest; p-5..p-11 were pushed out in turn.
    expect(byCount.stats()).toEqual({ exported: 0, dropped: 7, failed: 0, queued: 8 });
    exporter.release(ExportResultCode.FAILED); // a refusal: counted failed, not retried
    const flushed = byCount.forceFlush();
    await exporter.nextBatch();
    exporter.release();
    await flushed;
    expect(exporter.batches.map((b) => b.map((r) => r.predictionId))).toEqual([
      ['p-0', 'p-1', 'p-2', 'p-3', 'p-4'],
      ['p-12', 'p-13', 'p-14'],
    ]);
    expect(byCount.stats()).toEqual({ exported: 3, dropped: 7, failed: 5, queued: 0 });

    const bytes = new BatchPredictionProcessor(new GatedExporter(), { maxQueueBytes: 3000, scheduledDelayMillis: 60_000 });
    for (let i = 0; i < 5; i++) bytes.onEnd(rec(i, 1000));
    expect(bytes.stats()).toMatchObject({ queued: 2, dropped: 3 });
    // Only the batch in flight is left and the new record does not fit beside it: the new one goes.
    const full = new GatedExporter();
    const tight = new BatchPredictionProcessor(full, { maxQueueSize: 2, maxExportBatchSize: 2, scheduledDelayMillis: 60_000 });
    tight.onEnd(rec(0));
    tight.onEnd(rec(1));
    await full.nextBatch();
    tight.onEnd(rec(2));
    expect(tight.stats()).toEqual({ exported: 0, dropped: 1, failed: 0, queued: 2 });
    full.release();
    await tight.shutdown(1000);
    expect(full.batches.map((b) => b.map((r) => r.predictionId))).toEqual([['p-0', 'p-1']]);
  });

  it('shutdown returns within its deadline when the exporter hangs, counting what was lost', async () => {
    const hanging: PredictionExporter = { export: () => new Promise(() => {}), shutdown: async () => {} };
    const p = new BatchPredictionProcessor(hanging, { maxExportBatchSize: 2, scheduledDelayMillis: 60_000 });
    for (let i = 0; i < 5; i++) p.onEnd(rec(i));
    const started = performance.now();
    await p.shutdown(300);
    expect(performance.now() - started).toBeLessThan(2000);
    const s = p.stats();
    expect(s.exported + s.failed + s.dropped + s.queued).toBe(5);
    expect(s.queued).toBe(0);
    p.onEnd(rec(9));
    expect(p.stats().dropped).toBe(s.dropped + 1);
  });

  it('exports after a flush of an empty queue, from the timer and from forceFlush', async () => {
    const exporter = new GatedExporter();
    const p = new BatchPredictionProcessor(exporter, { scheduledDelayMillis: 10 });
    await p.forceFlush();
    p.onEnd(rec(1));
    await exporter.nextBatch(); // the delay timer fired
    exporter.release();
    await p.forceFlush();
    p.onEnd(rec(2));
    const flushed = p.forceFlush();
    await exporter.nextBatch();
    exporter.release();
    await flushed;
    expect(exporter.batches.map((b) => b.map((r) => r.predictionId))).toEqual([['p-1'], ['p-2']]);
    expect(p.stats()).toEqual({ exported: 2, dropped: 0, failed: 0, queued: 0 });
  });

  it('counts a rejecting exporter as failed and carries on', async () => {
    let calls = 0;
    const flaky: PredictionExporter = {
      export: async () => {
        if (calls++ === 0) throw new Error('boom');
        return { code: ExportResultCode.SUCCESS };
      },
      shutdown: async () => {},
    };
    const p = new BatchPredictionProcessor(flaky, { maxExportBatchSize: 1 });
    p.onEnd(rec(1));
    await p.forceFlush();
    p.onEnd(rec(2));
    await p.forceFlush();
    expect(p.stats()).toEqual({ exported: 1, dropped: 0, failed: 1, queued: 0 });
  });
});
