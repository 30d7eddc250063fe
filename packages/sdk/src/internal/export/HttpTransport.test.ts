import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExportResponse } from './ExportResponse.js';
import { HttpTransport } from './HttpTransport.js';

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer. */
  hang?: boolean;
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections(), s.close();
});

/** A server answering `reply` to every request; keeps what it received. */
async function server(reply: Reply): Promise<{ url: string; received: { headers: IncomingHttpHeaders; body: Buffer }[]; server: Server }> {
  const received: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      if (reply.hang) return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}/v1/predictions`, received, server: s };
}

const transport = (url: string, timeoutMillis = 5000) => new HttpTransport({ url, headers: { 'content-type': 'application/x-ndjson', 'x-test': '1' }, timeoutMillis });
const body = new Uint8Array([0x7b, 0x7d, 0x0a, 0xff]);
const errorOf = (r: ExportResponse) => (r.status === 'success' ? undefined : r.error.message);

describe('HttpTransport', () => {
  it('posts the body as it is with its headers; 2xx is a success carrying the reply', async () => {
    const s = await server({ status: 200, body: '{"accepted":1,"rejected":0,"errors":[]}' });
    expect(await transport(s.url).send(body, 1000)).toEqual({ status: 'success', reply: '{"accepted":1,"rejected":0,"errors":[]}' });
    expect(s.received).toHaveLength(1);
    expect(s.received[0].body.equals(Buffer.from(body))).toBe(true);
    expect(s.received[0].headers).toMatchObject({ 'content-type': 'application/x-ndjson', 'x-test': '1' });
  });

  it('408, 429 and 5xx are retryable, with Retry-After in milliseconds when sent', async () => {
    for (const status of [408, 429, 500, 502, 503, 504, 599]) {
      const s = await server({ status, body: 'busy' });
      const r = await transport(s.url).send(body, 1000);
      expect(r).toMatchObject({ status: 'retryable' });
      expect(r).not.toHaveProperty('retryAfterMillis');
      expect(errorOf(r)).toBe(`HTTP ${status} from ${s.url}: busy`);
    }
    const s = await server({ status: 503, headers: { 'retry-after': '2' } });
    expect(await transport(s.url).send(body, 1000)).toMatchObject({ status: 'retryable', retryAfterMillis: 2000 });
  });

  it('any other status is a failure (a refusal) that names the status, the URL and the reply', async () => {
    for (const status of [400, 401, 403, 404, 413, 415, 422]) {
      const s = await server({ status, body: 'record 0: model: required' });
      const r = await transport(s.url).send(body, 1000);
      expect(r.status).toBe('failure');
      expect(errorOf(r)).toBe(`HTTP ${status} from ${s.url}: record 0: model: required`);
    }
  });

  it('a reply whose body never ends, and bytes that are not HTTP, are retryable (the time limit covers the body)', async () => {
    const trickle = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"accepted":'); // and nothing more
      });
    });
    const garbage = createNetServer((socket) => socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\nnot http at all\r\n\r\n')));
    for (const s of [trickle, garbage]) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(trickle);
    try {
      const started = performance.now();
      const slow = await transport(`http://127.0.0.1:${(trickle.address() as { port: number }).port}/`, 200).send(body, 60_000);
      expect(slow.status).toBe('retryable');
      expect(performance.now() - started).toBeLessThan(3000);
      const bad = await transport(`http://127.0.0.1:${(garbage.address() as { port: number }).port}/`, 5000).send(body, 60_000);
      expect(bad.status).toBe('retryable');
      expect(errorOf(bad)).toMatch(/^request failed: /);
    } finally {
      garbage.close();
    }
  });

  it('a network error and a timed-out attempt are retryable', async () => {
    const s = await server({ status: 200 });
    s.server.close();
    await new Promise((r) => s.server.once('close', r));
    const refused = await transport(s.url).send(body, 1000);
    expect(refused.status).toBe('retryable');
    expect(errorOf(refused)).toMatch(/^request failed: /);

    const hanging = await server({ status: 200, hang: true });
    const started = performance.now();
    const timedOut = await transport(hanging.url, 100).send(body, 60_000);
    expect(timedOut.status).toBe('retryable');
    expect(performance.now() - started).toBeLessThan(2000);
    // The caller's limit applies when it is the shorter one.
    const started2 = performance.now();
    expect((await transport(hanging.url, 60_000).send(body, 100)).status).toBe('retryable');
    expect(performance.now() - started2).toBeLessThan(2000);
  });

  it('shutdown aborts the request in progress; later sends fail at once', async () => {
    const s = await server({ status: 200, hang: true });
    const t = transport(s.url, 60_000);
    const pending = t.send(body, 60_000);
    const deadline = Date.now() + 5000;
    while (s.received.length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(s.received).toHaveLength(1);
    await t.shutdown();
    const r = await pending;
    expect(r.status).toBe('failure');
    expect(errorOf(r)).toBe('export aborted by shutdown');
    expect(errorOf(await t.send(body, 1000))).toBe('exporter is shut down');
    expect(s.received).toHaveLength(1);
  });
});
