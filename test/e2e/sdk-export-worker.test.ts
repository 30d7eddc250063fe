import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchPredictionProcessor, HttpPredictionExporter } from '@inferlens/sdk';

// The built SDK (the worker's entry is JavaScript in dist): records exported from the worker thread (`thread: 'worker'`).

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
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
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

describe("HttpPredictionExporter in its worker thread (thread: 'worker')", () => {
  it('delivers every record, with no HTTP on the main thread, and counts them exported', async () => {
    const c = await collector(200);
    const connects = vi.spyOn(Socket.prototype, 'connect'); // this thread's sockets only
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ thread: 'worker', endpoint: c.url }), { maxExportBatchSize: 40 });
    for (const r of records(100)) processor.onEnd(r);
    await processor.forceFlush();
    expect(processor.stats()).toEqual({ exported: 100, dropped: 0, failed: 0, queued: 0 });
    expect(c.lines.map((l) => (l as { predictionId: string }).predictionId)).toEqual(records(100).map((r) => r.predictionId));
    expect(c.requests).toBe(3);
    expect(connects).not.toHaveBeenCalled();
    await processor.shutdown(1000);
  });

  it("reads the collector's reply on the main thread: the records it rejected count failed, the rest exported, and reach diag there", async () => {
    const warnings: string[] = [];
    const log = (m: string) => warnings.push(m);
    diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
    const c = await collector(200, { accepted: 8, rejected: 2, errors: ['record 3: model: required', 'record 7: features.x: too long'] });
    const connects = vi.spyOn(Socket.prototype, 'connect'); // this thread's sockets only
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ thread: 'worker', endpoint: c.url }));
    for (const r of records(10)) processor.onEnd(r);
    await processor.forceFlush();
    expect(c.requests).toBe(1);
    expect(connects).not.toHaveBeenCalled();
    // The collector stored 8 and refused 2 (its reply), and said why.
    expect(processor.stats()).toEqual({ exported: 8, dropped: 0, failed: 2, queued: 0 });
    const deadline = Date.now() + 5000;
    while (warnings.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(warnings).toEqual([
      '@inferlens/sdk: lost 2 prediction records: 2 refused by the collector; last error: collector rejected 2 records: record 3: model: required; record 7: features.x: too long. ' +
        'Since start: exported 8, dropped 0, failed 2, queued 0 (monitor.stats())',
    ]);
    await processor.shutdown(1000);
  });

  it('counts a refused batch as failed, not retried', async () => {
    const c = await collector(400);
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ thread: 'worker', endpoint: c.url }));
    for (const r of records(10)) processor.onEnd(r);
    await processor.forceFlush();
    expect(processor.stats()).toEqual({ exported: 0, dropped: 0, failed: 10, queued: 0 });
    expect(c.requests).toBe(1);
    await processor.shutdown(1000);
  });

  it('shuts down within its deadline when the collector hangs, and counts every record', async () => {
    const c = await collector('hang');
    const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ thread: 'worker', endpoint: c.url, timeoutMillis: 60_000 }), { maxExportBatchSize: 5 });
    for (const r of records(12)) processor.onEnd(r);
    const started = Date.now();
    await processor.shutdown(300);
    expect(Date.now() - started).toBeLessThan(2000);
    const s = processor.stats();
    // Not delivered, and not refused: dropped at shutdown.
    expect(s).toEqual({ exported: 0, dropped: 12, failed: 0, queued: 0 });
  });

  it('a collector that hangs, then answers garbage, then 503, then works: every record delivered once, nothing counted lost', async () => {
    const warnings: string[] = [];
    const log = (m: string) => warnings.push(m);
    diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
    // One port, four behaviours in turn: hang (past the request timeout), bytes that are not HTTP, 503, then a real collector.
    const lines: string[] = [];
    let connections = 0;
    const server = createNetServer((socket) => {
      const n = ++connections;
      let raw = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        raw = Buffer.concat([raw, chunk]);
        const head = raw.indexOf('\r\n\r\n');
        if (head < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(raw.subarray(0, head).toString())?.[1] ?? 0);
        if (raw.length < head + 4 + length) return;
        if (n === 1) return; // hang
        if (n === 2) return void socket.end('garbage, not HTTP\r\n\r\n');
        if (n === 3) return void socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        lines.push(...raw.subarray(head + 4, head + 4 + length).toString('utf8').trim().split('\n'));
        socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const processor = new BatchPredictionProcessor(new HttpPredictionExporter({ thread: 'worker', endpoint: url, timeoutMillis: 1500, initialBackoffMillis: 20, maxBackoffMillis: 50 }), { scheduledDelayMillis: 10 });
      for (const r of records(20)) processor.onEnd(r);
      const deadline = Date.now() + 10_000;
      while (processor.stats().queued > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(processor.stats()).toEqual({ exported: 20, dropped: 0, failed: 0, queued: 0 });
      expect(lines.map((l) => (JSON.parse(l) as { predictionId: string }).predictionId)).toEqual(records(20).map((r) => r.predictionId));
      expect(connections).toBe(4);
      expect(warnings.filter((w) => w.includes('cannot deliver prediction records'))).toHaveLength(1);
      expect(warnings.filter((w) => w.includes('lost'))).toEqual([]);
      await processor.shutdown(1000);
    } finally {
      server.close();
    }
  });
});
