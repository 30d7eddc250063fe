import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { ExportResultCode } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchPredictionProcessor } from './BatchPredictionProcessor.js';
import { HttpPredictionExporter } from './HttpPredictionExporter.js';
import { RetryableExportError } from './RetryableExportError.js';

interface Received {
  headers: IncomingMessage['headers'];
  lines: unknown[];
}

/** A fake collector answering with the given statuses in turn (200 once they run out). */
async function fakeCollector(replies: { status: number; headers?: Record<string, string> }[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      received.push({ headers: req.headers, lines: text.trim().split('\n').map((l) => JSON.parse(l)) });
      const reply = replies.shift() ?? { status: 200 };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify({ accepted: 1, rejected: 0, errors: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}`, received, server };
}

const servers: Server[] = [];
afterEach(() => {
  servers.splice(0).forEach((s) => s.close());
});

const batch = [
  { predictionId: 'a', model: 'm', features: { x: 1 } },
  { predictionId: 'b', model: 'm', features: { x: 2 } },
];

describe('HttpPredictionExporter', () => {
  it('sends the line serialized when the record was queued, serializing each record once', async () => {
    const c = await fakeCollector([]);
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ endpoint: c.url, compression: 'none' }));
    const record = { predictionId: 'a', model: 'm', version: 'v1', timestamp: 1, latencyMs: 1, features: { x: 1 }, outputs: {} };
    // Every serialization reads `model`: count the reads.
    let calls = 0;
    Object.defineProperty(record, 'model', { enumerable: true, get: () => (calls++, 'm') });
    processor.onEnd(record as never);
    record.features.x = 2; // changed after queueing: the queued snapshot is what goes out
    await processor.forceFlush();
    expect(calls).toBe(1);
    expect(c.received.map((r) => r.lines)).toEqual([[{ ...record, features: { x: 1 } }]]);
    expect(processor.stats()).toMatchObject({ exported: 1, dropped: 0, queued: 0 });
    await processor.shutdown();
  });
  it('posts gzip NDJSON with the project header and custom headers', async () => {
    const c = await fakeCollector([]);
    const e = new HttpPredictionExporter({ endpoint: c.url, project: 'p1', headers: { authorization: 'Bearer t' }, compression: 'gzip' });
    expect(await e.export(batch)).toEqual({ code: ExportResultCode.SUCCESS });
    expect(c.received).toHaveLength(1);
    expect(c.received[0].lines).toEqual(batch);
    // Without the option: plain NDJSON, as OpenTelemetry's exporters send by default.
    const plain = new HttpPredictionExporter({ endpoint: c.url });
    expect(await plain.export(batch)).toEqual({ code: ExportResultCode.SUCCESS });
    expect(c.received[1].headers['content-encoding']).toBeUndefined();
    expect(c.received[1].lines).toEqual(batch);
    expect(c.received[0].headers).toMatchObject({
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
      'x-inferlens-project': 'p1',
      authorization: 'Bearer t',
    });
  });

  it("answers 408/429/5xx with a RetryableExportError that says how long to wait: Retry-After, else a backoff doubling per consecutive failure, capped", async () => {
    const c = await fakeCollector([{ status: 503, headers: { 'retry-after': '2' } }, { status: 429 }, { status: 500 }, { status: 504 }, { status: 408, headers: { 'retry-after': '60' } }]);
    const e = new HttpPredictionExporter({ endpoint: c.url, initialBackoffMillis: 100, maxBackoffMillis: 1000, thread: 'main' });
    const waits: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await e.export(batch);
      expect(r.code).toBe(ExportResultCode.FAILED);
      expect(r.error).toBeInstanceOf(RetryableExportError);
      waits.push((r.error as RetryableExportError).retryAfterMillis);
    }
    expect(waits[0]).toBe(1000); // Retry-After 2 s, capped by maxBackoffMillis
    expect(waits[1]).toBeGreaterThanOrEqual(100); // 2nd consecutive failure: 200 ms base, half of it jitter
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(waits[2]).toBeGreaterThanOrEqual(200);
    expect(waits[2]).toBeLessThanOrEqual(400);
    expect(waits[3]).toBeGreaterThanOrEqual(400);
    expect(waits[3]).toBeLessThanOrEqual(800);
    expect(waits[4]).toBe(1000);
    expect(await e.export(batch)).toEqual({ code: ExportResultCode.SUCCESS });
    // A delivery ends the run of failures: the next one starts the backoff over.
    const again = await fakeCollector([{ status: 503 }]);
    const e2 = new HttpPredictionExporter({ endpoint: again.url, initialBackoffMillis: 100, maxBackoffMillis: 1000, thread: 'main' });
    expect(((await e2.export(batch)).error as RetryableExportError).retryAfterMillis).toBeLessThanOrEqual(100);
    expect(c.received).toHaveLength(6);
  });

  it('a refusal (400) is a plain FAILED, not retryable; a network error is retryable', async () => {
    const bad = await fakeCollector([{ status: 400 }]);
    const r1 = await new HttpPredictionExporter({ endpoint: bad.url }).export(batch);
    expect(r1.code).toBe(ExportResultCode.FAILED);
    expect(r1.error).not.toBeInstanceOf(RetryableExportError);
    expect(r1.error?.message).toContain('HTTP 400');
    expect(bad.received).toHaveLength(1);

    const c = await fakeCollector([]);
    c.server.close();
    await new Promise((r) => c.server.once('close', r));
    const r2 = await new HttpPredictionExporter({ endpoint: c.url, thread: 'main' }).export(batch);
    expect(r2.code).toBe(ExportResultCode.FAILED);
    expect(r2.error).toBeInstanceOf(RetryableExportError);
    expect(r2.error?.message).toMatch(/request failed/);
  });

  it('with the batch processor: a collector answering 503 three times gets every record once, in order, counted exported', async () => {
    const c = await fakeCollector([{ status: 503, headers: { 'retry-after': '0' } }, { status: 502 }, { status: 429 }]);
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ endpoint: c.url, initialBackoffMillis: 5, maxBackoffMillis: 20, thread: 'main' }), {
      maxExportBatchSize: 2,
      scheduledDelayMillis: 5,
    });
    for (let i = 0; i < 4; i++) processor.onEnd({ predictionId: `p${i}`, model: 'm' });
    const deadline = Date.now() + 5000;
    while (processor.stats().queued > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(processor.stats()).toEqual({ exported: 4, dropped: 0, failed: 0, queued: 0 });
    const sent = c.received.map((r) => r.lines.map((l) => (l as { predictionId: string }).predictionId));
    expect(sent).toEqual([['p0', 'p1'], ['p0', 'p1'], ['p0', 'p1'], ['p0', 'p1'], ['p2', 'p3']]);
    await processor.shutdown(1000);
  });

  it('shutdown aborts a request in progress at once; later exports fail', async () => {
    let arrived = 0;
    const hang = createServer(() => void arrived++);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    servers.push(hang);
    const e = new HttpPredictionExporter({ endpoint: `http://127.0.0.1:${(hang.address() as { port: number }).port}`, timeoutMillis: 60_000, thread: 'main' });
    const pending = e.export(batch);
    const deadline = Date.now() + 5000;
    while (arrived === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(arrived).toBe(1); // the request is in progress
    const started = performance.now();
    await e.shutdown();
    const r = await pending;
    expect(r.code).toBe(ExportResultCode.FAILED);
    expect(r.error).not.toBeInstanceOf(RetryableExportError);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await e.export(batch)).code).toBe(ExportResultCode.FAILED);
    hang.closeAllConnections();
  });
});
