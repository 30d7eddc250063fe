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
    expect(refused.headers['retry-after']).toBe('1');
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
