import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createExportTransport } from './create-transport.js';
import { EncodingTransport } from './EncodingTransport.js';
import { resolveHttpSetup } from './http-export-setup.js';
import { WorkerTransport } from './WorkerTransport.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const servers: Server[] = [];
const messages: string[] = [];
afterEach(() => {
  diag.disable();
  messages.length = 0;
  for (const s of servers.splice(0)) s.closeAllConnections(), s.close();
});

/** A collector stand-in: answers 503 with Retry-After 0 `busy` times, then 200; keeps the bodies (gunzipped). */
async function collector(busy = 0): Promise<{ endpoint: string; bodies: string[]; requests: number }> {
  const c = { endpoint: '', bodies: [] as string[], requests: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (x: Buffer) => chunks.push(x));
    req.on('end', () => {
      c.requests++;
      const raw = Buffer.concat(chunks);
      c.bodies.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
      if (c.requests <= busy) res.writeHead(503, { 'retry-after': '0' }).end('busy');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1,"rejected":0,"errors":[]}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  c.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return c;
}

describe('createExportTransport', () => {
  it("thread 'main': encodes and posts on this thread, no worker, one attempt per send", async () => {
    const c = await collector(1);
    const transport = createExportTransport(resolveHttpSetup('/v1/predictions', { endpoint: c.endpoint, thread: 'main' }));
    expect(transport).toBeInstanceOf(EncodingTransport);
    expect(await transport.send(bytes('{"a":1}\n'), 10_000)).toMatchObject({ status: 'retryable', retryAfterMillis: 0 });
    expect(await transport.send(bytes('{"a":1}\n'), 10_000)).toEqual({ status: 'success', reply: '{"accepted":1,"rejected":0,"errors":[]}' });
    expect(c.bodies).toEqual(['{"a":1}\n', '{"a":1}\n']);
    await transport.shutdown();
  });

  it("thread 'worker' hands bodies to a worker thread; the default is this thread", () => {
    expect(createExportTransport(resolveHttpSetup('/v1/predictions'))).toBeInstanceOf(EncodingTransport);
    expect(createExportTransport(resolveHttpSetup('/v1/predictions', { thread: 'worker' }))).toBeInstanceOf(WorkerTransport);
  });

  it('falls back to this thread, with one warning, when the worker entry is missing (as here, running from source)', async () => {
    const log = (m: string) => messages.push(m);
    diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
    const c = await collector(0);
    const transport = createExportTransport(resolveHttpSetup('/v1/predictions', { endpoint: c.endpoint, thread: 'worker' }));
    expect(await transport.send(bytes('{"a":1}\n'), 10_000)).toMatchObject({ status: 'success' });
    expect(await transport.send(bytes('{"b":2}\n'), 10_000)).toMatchObject({ status: 'success' });
    expect(c.bodies).toEqual(['{"a":1}\n', '{"b":2}\n']);
    expect(messages.filter((m) => m.includes('export worker could not start'))).toHaveLength(1);
    await transport.shutdown();
    expect(await transport.send(bytes('{"c":3}\n'), 10_000)).toMatchObject({ status: 'failure' });
    expect(c.requests).toBe(2);
  });
});
