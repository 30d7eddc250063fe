import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { openSocket, readAnswer } from '../helpers/raw-http.js';

// Admission control by bytes in flight and the request timeouts, against a collector child
// process with a 1 MiB budget and a 3 s request timeout. Every wait is on an answer or a socket
// event: a body that is held open stays in flight for as long as the test holds it.

const BUDGET = 1024 * 1024;
let collector: CollectorProcess;
const dataDir = tempDataDir();

beforeAll(async () => {
  collector = await startCollector({
    dataDir,
    env: { INFERLENS_MAX_BYTES_IN_FLIGHT: String(BUDGET), INFERLENS_REQUEST_TIMEOUT_MS: '3000', INFERLENS_HEADERS_TIMEOUT_MS: '2000' },
  });
});

afterAll(async () => {
  await collector?.stop();
  removeDir(dataDir);
});

/** NDJSON predictions of about `bytes` bytes, ids `prefix-i`. */
function predictionsBody(prefix: string, bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = JSON.stringify({ predictionId: `${prefix}-${i}`, model: 'overload', timestamp: new Date().toISOString(), features: { x: i, pad: 'p'.repeat(100) } });
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join('\n'));
}

function head(path: string, length: number): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${length}\r\n\r\n`;
}

async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${collector.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function storedCount(prefix: string): Promise<number> {
  const r = await fetch(`${collector.url}/api/v1/predictions?model=overload&limit=10000`);
  const json = (await r.json()) as { predictions: Array<{ predictionId: string }> };
  return json.predictions.filter((p) => p.predictionId.startsWith(`${prefix}-`)).length;
}

describe('admission control by bytes in flight', () => {
  it('answers 503 with Retry-After before reading a body that would pass the budget, and admits it once the budget frees', async () => {
    const big = predictionsBody('held', 900 * 1024);
    const held = await openSocket(collector.port);
    const heldAnswer = readAnswer(held);
    // Headers and half of the body: the rest is held back, so its declared length stays in flight.
    held.write(head('/v1/predictions', big.length));
    held.write(big.subarray(0, big.length / 2));
    const deadline = Date.now() + 10_000;
    while ((await metric('inferlens_bytes_in_flight')) !== big.length) {
      expect(Date.now(), 'the held body never counted in flight').toBeLessThan(deadline);
    }

    const small = predictionsBody('second', 200 * 1024);
    const second = await openSocket(collector.port);
    const answer = readAnswer(second);
    second.write(head('/v1/predictions', small.length)); // headers only: the answer comes before the body
    const refused = await answer.catch((err: Error) => { throw new Error(`second: ${err.message}\n${collector.output.slice(-5).join("\n")}`); });
    expect(refused.status).toBe(503);
    // Before any drain rate was measured: 1 s, spread to 1 or 2 s so refused clients do not all come back at once.
    expect(['1', '2']).toContain(refused.headers['retry-after']);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'INGEST_SATURATED' });
    expect(JSON.parse(refused.body).message).toContain('limits.maxBytesInFlight');
    second.destroy();

    // The held body completes and is stored; then the same small body is admitted.
    held.write(big.subarray(big.length / 2));
    const first = await heldAnswer;
    expect(first.status, first.body).toBe(200);
    held.destroy();
    const retry = await fetch(`${collector.url}/v1/predictions`, { method: 'POST', body: small, headers: { 'content-type': 'application/x-ndjson' } });
    expect(retry.status).toBe(200);
    expect(await storedCount('second')).toBe(small.toString().split('\n').length);
    expect(await metric('inferlens_bytes_in_flight')).toBe(0);
    expect(await metric('inferlens_requests_refused_total{code="INGEST_SATURATED"}')).toBe(1);
  });
});

describe('slow clients', () => {
  it('answers 408 REQUEST_TIMEOUT to a body trickled too slowly, stores nothing of it and frees its bytes', async () => {
    const body = predictionsBody('trickled', 2000);
    const s = await openSocket(collector.port);
    const answer = readAnswer(s);
    s.write(head('/v1/predictions', body.length));
    // One byte now, and nothing more: the request never completes.
    s.write(body.subarray(0, 1));
    const r = await answer;
    expect(r.status).toBe(408);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'REQUEST_TIMEOUT' });
    expect(r.headers.connection).toBe('close');
    s.destroy();
    expect(await storedCount('trickled')).toBe(0);
    expect(await metric('inferlens_bytes_in_flight')).toBe(0);
  });

  it('answers 408 to headers that never end', async () => {
    const s = await openSocket(collector.port);
    const answer = readAnswer(s);
    s.write('POST /v1/predictions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const r = await answer;
    expect(r.status).toBe(408);
    s.destroy();
  });

  it('serves normal requests while 200 connections trickle', async () => {
    const sockets = await Promise.all(Array.from({ length: 200 }, () => openSocket(collector.port)));
    const answers = sockets.map((s) => readAnswer(s).catch((err: Error) => ({ status: 0, headers: {}, body: err.message })));
    for (const s of sockets) s.write(head('/v1/feedback', 100) + '{');
    const body = predictionsBody('beside', 10_000);
    const r = await fetch(`${collector.url}/v1/predictions`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
    expect(r.status).toBe(200);
    expect(await storedCount('beside')).toBe(body.toString().split('\n').length);
    const statuses = (await Promise.all(answers)).map((a) => a.status);
    expect(new Set(statuses)).toEqual(new Set([408]));
    for (const s of sockets) s.destroy();
  });
});

/** Polls `name` until `ok` holds of it, failing with `what` after 20 s. */
async function waitForMetric(name: string, ok: (v: number) => boolean, what: string, of = metric): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = (await of(name)) ?? 0;
    if (ok(v)) return v;
    expect(Date.now(), `${what} (${name} = ${v})`).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A chunked request's head and its body as one chunk (the terminating chunk not included). */
function chunkedHead(path: string, extra = ''): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n${extra}\r\n`;
}
function chunk(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

describe('bodies that grow past the budget as they arrive', () => {
  it('refuses a chunked body part-way with 503 + Retry-After once it would pass the budget, and frees its bytes', async () => {
    const held = predictionsBody('chunk-held', 600 * 1024);
    const a = await openSocket(collector.port);
    const aAnswer = readAnswer(a);
    a.write(chunkedHead('/v1/predictions'));
    a.write(chunk(held));
    await waitForMetric('inferlens_bytes_in_flight', (v) => v >= held.length, 'the held chunked body never counted in flight');

    // A second chunked body of the same size, sent whole: together they pass the 1 MiB budget.
    const second = predictionsBody('chunk-refused', 600 * 1024);
    const b = await openSocket(collector.port);
    const bAnswer = readAnswer(b);
    b.on('error', () => undefined); // the collector may close the connection while the body still arrives
    b.write(Buffer.concat([Buffer.from(chunkedHead('/v1/predictions')), chunk(second), Buffer.from('0\r\n\r\n')]));
    const refused = await bAnswer;
    expect(refused.status, refused.body).toBe(503);
    // Before any drain rate was measured: 1 s, spread to 1 or 2 s so refused clients do not all come back at once.
    expect(['1', '2']).toContain(refused.headers['retry-after']);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'INGEST_SATURATED' });
    expect(JSON.parse(refused.body).message).toContain('limits.maxBytesInFlight');
    b.destroy();

    a.write('0\r\n\r\n');
    const first = await aAnswer;
    expect(first.status, first.body).toBe(200);
    a.destroy();
    await waitForMetric('inferlens_bytes_in_flight', (v) => v === 0, 'bytes stayed in flight');
    expect(await storedCount('chunk-refused')).toBe(0);
    expect(await storedCount('chunk-held')).toBe(held.toString().split('\n').length);
  });

  it('refuses a gzip body whose inflated size would pass the budget with 503, and frees its bytes', async () => {
    const held = predictionsBody('gzip-held', 600 * 1024);
    const a = await openSocket(collector.port);
    const aAnswer = readAnswer(a);
    a.write(head('/v1/predictions', held.length));
    a.write(held.subarray(0, 1000));
    await waitForMetric('inferlens_bytes_in_flight', (v) => v >= held.length, 'the held body never counted in flight');

    // Declared as a few KiB (admitted), inflating to 600 KiB.
    const zipped = gzipSync(predictionsBody('gzip-refused', 600 * 1024));
    expect(zipped.length).toBeLessThan(200 * 1024);
    const r = await fetch(`${collector.url}/v1/predictions`, { method: 'POST', body: zipped, headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' } });
    expect(r.status, await r.clone().text()).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(((await r.json()) as { error: string }).error).toBe('INGEST_SATURATED');

    a.write(held.subarray(1000));
    expect((await aAnswer).status).toBe(200);
    a.destroy();
    await waitForMetric('inferlens_bytes_in_flight', (v) => v === 0, 'bytes stayed in flight');
    expect(await storedCount('gzip-refused')).toBe(0);
  });
});

describe('a connection answered 408 and then closed by its client', () => {
  it('counts one REQUEST_TIMEOUT and no REQUEST_INVALID', async () => {
    const timeoutsBefore = (await metric('inferlens_requests_refused_total{code="REQUEST_TIMEOUT"}')) ?? 0;
    const invalidBefore = (await metric('inferlens_requests_refused_total{code="REQUEST_INVALID"}')) ?? 0;
    const s = await openSocket(collector.port);
    const answer = readAnswer(s);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.write(head('/v1/predictions', 1000));
    s.write('{');
    const r = await answer;
    expect(r.status).toBe(408);
    // The client closes its side mid-body: the collector's parser sees the request cut short.
    s.end();
    await closed;
    expect(await metric('inferlens_requests_refused_total{code="REQUEST_TIMEOUT"}')).toBe(timeoutsBefore + 1);
    expect((await metric('inferlens_requests_refused_total{code="REQUEST_INVALID"}')) ?? 0).toBe(invalidBefore);
  });
});

describe('a pipelined request whose client goes away before its answer', () => {
  // A batch waits 3 s before its insert, so the first request is still waiting for storage
  // when its client goes away.
  let slow: CollectorProcess;
  const slowDir = tempDataDir();
  const slowMetric = async (name: string): Promise<number | undefined> => {
    const text = await (await fetch(`${slow.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  beforeAll(async () => {
    slow = await startCollector({ dataDir: slowDir, env: { INFERLENS_BATCH_MAX_DELAY_MS: '3000' } });
  });

  afterAll(async () => {
    await slow?.stop();
    removeDir(slowDir);
  });

  it('frees its reservation and its in-flight gauge when the connection closes; later bodies are admitted', async () => {
    const prediction = JSON.stringify({ predictionId: 'pipelined-1', model: 'pipelined', timestamp: new Date().toISOString() });
    const s = await openSocket(slow.port);
    s.on('error', () => undefined);
    // A valid prediction, then on the same connection a request declaring 10 MB that never comes.
    s.write(
      `POST /v1/predictions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${Buffer.byteLength(prediction)}\r\n\r\n${prediction}` +
        `POST /v1/predictions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 10000000\r\n\r\n`,
    );
    await waitForMetric('inferlens_bytes_in_flight', (v) => v >= 10_000_000, 'the second request was never admitted', slowMetric);
    expect(await slowMetric('inferlens_http_requests_in_flight')).toBeGreaterThanOrEqual(3); // two on the socket, the scrape
    s.destroy();
    await waitForMetric('inferlens_bytes_in_flight', (v) => v === 0, 'the reservation of the abandoned request leaked', slowMetric);
    // The scrape itself is the one request in flight.
    await waitForMetric('inferlens_http_requests_in_flight', (v) => v === 1, 'the in-flight gauge leaked', slowMetric);
    const r = await fetch(`${slow.url}/v1/predictions`, {
      method: 'POST',
      body: JSON.stringify({ predictionId: 'pipelined-2', model: 'pipelined', timestamp: new Date().toISOString() }),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(r.status).toBe(200);
  });
});
