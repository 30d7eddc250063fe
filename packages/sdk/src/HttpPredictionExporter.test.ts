import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { ExportResultCode } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchPredictionProcessor } from './BatchPredictionProcessor.js';
import { HttpPredictionExporter } from './HttpPredictionExporter.js';

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
    const stringify = JSON.stringify;
    let calls = 0;
    JSON.stringify = ((...args: Parameters<typeof stringify>) => {
      if (args[0] === record) calls++;
      return stringify(...args);
    }) as typeof stringify;
    try {
      processor.onEnd(record as never);
      record.features.x = 2; // changed after queueing: the queued snapshot is what goes out
      await processor.forceFlush();
    } finally {
      JSON.stringify = stringify;
    }
    expect(calls).toBe(1);
    expect(c.received.map((r) => r.lines)).toEqual([[{ ...record, features: { x: 1 } }]]);
    expect(processor.stats()).toMatchObject({ exported: 1, dropped: 0, queued: 0 });
    await processor.shutdown();
  });
  it('posts gzip NDJSON with the project header and custom headers', async () => {
    const c = await fakeCollector([]);
    const e = new HttpPredictionExporter({ endpoint: c.url, project: 'p1', headers: { authorization: 'Bearer t' } });
    expect(await e.export(batch)).toEqual({ code: ExportResultCode.SUCCESS });
    expect(c.received).toHaveLength(1);
    expect(c.received[0].lines).toEqual(batch);
    expect(c.received[0].headers).toMatchObject({
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
      'x-inferlens-project': 'p1',
      authorization: 'Bearer t',
    });
  });

  it('retries 429/502/503/504 with backoff, honouring Retry-After', async () => {
    const c = await fakeCollector([{ status: 503, headers: { 'retry-after': '0' } }, { status: 429 }, { status: 502 }, { status: 504 }]);
    const e = new HttpPredictionExporter({ endpoint: c.url, initialBackoffMillis: 10, maxBackoffMillis: 20 });
    expect((await e.export(batch)).code).toBe(ExportResultCode.SUCCESS);
    expect(c.received).toHaveLength(5);
  });

  it('never retries 400, and gives up after maxAttempts', async () => {
    const bad = await fakeCollector([{ status: 400 }]);
    const e1 = new HttpPredictionExporter({ endpoint: bad.url, initialBackoffMillis: 1 });
    const r1 = await e1.export(batch);
    expect(r1.code).toBe(ExportResultCode.FAILED);
    expect(r1.error?.message).toContain('HTTP 400');
    expect(bad.received).toHaveLength(1);

    const busy = await fakeCollector(Array.from({ length: 10 }, () => ({ status: 503 })));
    const e2 = new HttpPredictionExporter({ endpoint: busy.url, maxAttempts: 3, initialBackoffMillis: 1, maxBackoffMillis: 2 });
    expect((await e2.export(batch)).code).toBe(ExportResultCode.FAILED);
    expect(busy.received).toHaveLength(3);
  });

  it('retries network errors', async () => {
    const c = await fakeCollector([]);
    c.server.close();
    await new Promise((r) => c.server.once('close', r));
    const e = new HttpPredictionExporter({ endpoint: c.url, maxAttempts: 3, initialBackoffMillis: 1, maxBackoffMillis: 2 });
    const result = await e.export(batch);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toMatch(/request failed/);
  });

  it('shutdown aborts a retry wait at once; later exports fail', async () => {
    const c = await fakeCollector([{ status: 503, headers: { 'retry-after': '60' } }]);
    const e = new HttpPredictionExporter({ endpoint: c.url, maxBackoffMillis: 60_000, exportTimeoutMillis: 120_000 });
    const pending = e.export(batch);
    const deadline = Date.now() + 5000;
    while (c.received.length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(c.received).toHaveLength(1); // now waiting 60 s before the retry
    const started = performance.now();
    await e.shutdown();
    expect((await pending).code).toBe(ExportResultCode.FAILED);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await e.export(batch)).code).toBe(ExportResultCode.FAILED);
  });
});
