import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchPredictionProcessor, HttpPredictionExporter } from '@inferlens/sdk';

// The built SDK (the worker's entry is JavaScript in dist): records exported from the worker thread.

interface Collector {
  url: string;
  lines: unknown[];
  requests: number;
}

const servers: Server[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  diag.disable();
  for (const s of servers.splice(0)) s.closeAllConnections(), s.close();
});

/** A fake collector: answers `status` (with `reply` as its body), or never answers with `hang`. */
async function collector(status: number | 'hang', reply: object = { accepted: 0, rejected: 0, errors: [] }): Promise<Collector> {
  const c: Collector = { url: '', lines: [], requests: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (x: Buffer) => chunks.push(x));
    req.on('end', () => {
      c.requests++;
      if (status === 'hang') return;
      const text = gunzipSync(Buffer.concat(chunks)).toString('utf8');
      c.lines.push(...text.trim().split('\n').map((l) => JSON.parse(l)));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  c.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return c;
}

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ predictionId: `p${i}`, model: 'm', features: { x: i } }));

describe('HttpPredictionExporter in its worker thread (the default)', () => {
  it('delivers every record, with no HTTP on the main thread, and counts them exported', async () => {
    const c = await collector(200);
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ endpoint: c.url }), { maxExportBatchSize: 40 });
    for (const r of records(100)) processor.onEnd(r);
    await processor.forceFlush();
    expect(processor.stats()).toEqual({ exported: 100, dropped: 0, failed: 0, queued: 0 });
    expect(c.lines.map((l) => (l as { predictionId: string }).predictionId)).toEqual(records(100).map((r) => r.predictionId));
    expect(c.requests).toBe(3);
    expect(fetchSpy).not.toHaveBeenCalled();
    await processor.shutdown(1000);
  });

  it("reads the collector's reply on the main thread: rejected records reach diag there, once per batch", async () => {
    const warnings: string[] = [];
    const log = (m: string) => warnings.push(m);
    diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
    const c = await collector(200, { accepted: 8, rejected: 2, errors: ['record 3: model: required', 'record 7: features.x: too long'] });
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ endpoint: c.url }));
    for (const r of records(10)) processor.onEnd(r);
    await processor.forceFlush();
    expect(c.requests).toBe(1);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(warnings).toEqual(['@inferlens/sdk: collector rejected 2 records: record 3: model: required; record 7: features.x: too long']);
    // The collector stored the batch (the rejected records are its answer, not a failed export).
    expect(processor.stats()).toEqual({ exported: 10, dropped: 0, failed: 0, queued: 0 });
    await processor.shutdown(1000);
  });

  it('counts a refused batch as failed, not retried', async () => {
    const c = await collector(400);
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ endpoint: c.url }));
    for (const r of records(10)) processor.onEnd(r);
    await processor.forceFlush();
    expect(processor.stats()).toEqual({ exported: 0, dropped: 0, failed: 10, queued: 0 });
    expect(c.requests).toBe(1);
    await processor.shutdown(1000);
  });

  it('shuts down within its deadline when the collector hangs, and counts every record', async () => {
    const c = await collector('hang');
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ endpoint: c.url, timeoutMillis: 60_000 }), { maxExportBatchSize: 5 });
    for (const r of records(12)) processor.onEnd(r);
    const started = Date.now();
    await processor.shutdown(300);
    expect(Date.now() - started).toBeLessThan(2000);
    const s = processor.stats();
    expect(s.exported).toBe(0);
    expect(s.queued).toBe(0);
    expect(s.dropped + s.failed).toBe(12);
  });
});
