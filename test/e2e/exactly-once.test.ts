import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSocket } from '../helpers/raw-http.js';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// Retries of requests already stored, against a collector child process: a prediction (by project
// and prediction id) and a span (by project, trace and span id) are stored once however often a client
// re-sends the request that holds them (the same bytes, or the same Idempotency-Key), including
// records without their own time, which take the time they are received; also when the retry is
// inserted while its first attempt still is.

let collector: CollectorProcess;
const dataDir = tempDataDir();

beforeAll(async () => {
  collector = await startCollector({ dataDir });
});

afterAll(async () => {
  await collector?.stop();
  removeDir(dataDir);
});

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const r = await fetch(collector.url + path, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', ...headers } });
  return { status: r.status, json: await r.json() };
}

async function ids(query: string): Promise<string[]> {
  const r = await fetch(`${collector.url}/api/v1/predictions?limit=10000&${query}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { predictions: Array<{ predictionId: string }> }).predictions.map((p) => p.predictionId).sort();
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('a retry of a stored request stores nothing twice', () => {
  it('predictions, with and without their own timestamp, retried three times', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const timed = range(100).map((i) => JSON.stringify({ predictionId: `t-${i}`, model: 'retry', timestamp: at, features: { x: i } })).join('\n');
    const untimed = range(50).map((i) => JSON.stringify({ predictionId: `u-${i}`, model: 'retry', features: { x: i } })).join('\n');
    for (let attempt = 0; attempt < 3; attempt++) {
      const a = await post('/v1/predictions', timed);
      expect(a).toEqual({ status: 200, json: { accepted: 100, rejected: 0, errors: [] } });
      const b = await post('/v1/predictions', untimed);
      expect(b).toEqual({ status: 200, json: { accepted: 50, rejected: 0, errors: [] } });
    }
    const stored = await ids('model=retry');
    expect(stored).toHaveLength(150);
    expect(new Set(stored).size).toBe(150);
  });

  it('a request stored while its client had gone (no answer received), then retried: stored once', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const body = Buffer.from(range(200).map((i) => JSON.stringify({ predictionId: `gone-${i}`, model: 'gone', timestamp: at })).join('\n'));
    // The whole body, then the connection closed at once: the collector stores it, the answer is lost.
    const s = await openSocket(collector.port);
    s.end(Buffer.concat([Buffer.from(`POST /v1/predictions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
    s.destroy();
    const deadline = Date.now() + 30_000;
    while ((await ids('model=gone')).length < 200) {
      expect(Date.now(), 'the first attempt was never stored').toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await post('/v1/predictions', body.toString())).json.accepted).toBe(200);
    const stored = await ids('model=gone');
    expect(stored).toHaveLength(200);
    expect(new Set(stored).size).toBe(200);
  });

  it('a retry under the same Idempotency-Key that holds more records than its first attempt: only the new rows go in', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const line = (i: number) => JSON.stringify({ predictionId: `m-${i}`, model: 'mixed', timestamp: at });
    const key = { 'idempotency-key': `batch-${randomBytes(8).toString('hex')}` };
    expect((await post('/v1/predictions', range(10).map(line).join('\n'), key)).status).toBe(200);
    expect((await post('/v1/predictions', range(20).map(line).join('\n'), key)).json.accepted).toBe(20);
    expect(await ids('model=mixed')).toEqual(range(20).map((i) => `m-${i}`).sort());
  });

  it('another request (other bytes, no key) is not a retry: its records are stored as sent, even under ids stored before', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const line = (i: number) => JSON.stringify({ predictionId: `o-${i}`, model: 'other-request', timestamp: at });
    expect((await post('/v1/predictions', range(10).map(line).join('\n'))).status).toBe(200);
    expect((await post('/v1/predictions', range(20).map(line).join('\n'))).json.accepted).toBe(20);
    const stored = await ids('model=other-request');
    expect(stored).toHaveLength(30);
    expect(new Set(stored).size).toBe(20);
  });

  it('refuses an Idempotency-Key that is empty, too long or not printable ASCII, naming the header', async () => {
    const body = JSON.stringify({ predictionId: 'k-1', model: 'bad-key' });
    for (const key of ['', 'x'.repeat(257), 'caf\u00e9']) {
      const r = await post('/v1/predictions', body, { 'idempotency-key': key });
      expect(r.status, JSON.stringify(key)).toBe(400);
      expect(r.json.error).toBe('INGEST_BAD_IDEMPOTENCY_KEY');
      expect(r.json.message).toMatch(/idempotency-key/);
    }
    expect(await ids('model=bad-key')).toEqual([]);
  });

  it('scopes prediction ids to their project: the same id in another project is another prediction', async () => {
    const body = JSON.stringify({ predictionId: 'p-1', model: 'scoped', timestamp: new Date().toISOString() });
    expect((await post('/v1/predictions', body)).status).toBe(200);
    expect((await post('/v1/predictions', body, { 'x-inferlens-project': 'other' })).status).toBe(200);
    expect(await ids('model=scoped')).toEqual(['p-1']);
    expect(await ids('model=scoped&project=other')).toEqual(['p-1']);
  });

  it('scopes span ids to their project: the same span sent for another project is another span', async () => {
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const start = BigInt(Date.now() - 60_000) * 1_000_000n;
    const span = { traceId, spanId, name: 'scoped', kind: 1, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 1_000_000n) };
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'scoped' } }] }, scopeSpans: [{ scope: { name: 't' }, spans: [span] }] }] });
    for (const project of ['projA', 'projB', 'projA', 'projB']) {
      expect((await post('/v1/traces', body, { 'content-type': 'application/json', 'x-inferlens-project': project })).status).toBe(200);
    }
    const r = await fetch(`${collector.url}/api/v1/traces/${traceId}`);
    const got = ((await r.json()) as { spans: Array<{ spanId: string; project: string }> }).spans.map((s) => `${s.project}/${s.spanId}`).sort();
    expect(got).toEqual([`projA/${spanId}`, `projB/${spanId}`]);
  });

  it('a batch mixing a record 200 days old with new ones, retried: stored once (the lookup is bounded by the times in the batch)', async () => {
    const old = new Date(Date.now() - 200 * 86_400_000).toISOString();
    const now = new Date(Date.now() - 1000).toISOString();
    const body = range(50)
      .map((i) => JSON.stringify({ predictionId: `old-${i}`, model: 'mixed-age', timestamp: i === 0 ? old : now }))
      .join('\n');
    for (let attempt = 0; attempt < 3; attempt++) expect((await post('/v1/predictions', body)).json.accepted).toBe(50);
    expect(await ids('model=mixed-age')).toEqual(range(50).map((i) => `old-${i}`).sort());
  });

  it('spans over OTLP/HTTP JSON, retried: each (trace id, span id) once', async () => {
    const traceId = randomBytes(16).toString('hex');
    const start = BigInt(Date.now() - 60_000) * 1_000_000n;
    const spans = range(30).map((i) => ({
      traceId,
      spanId: randomBytes(8).toString('hex'),
      name: `op-${i}`,
      kind: 1,
      startTimeUnixNano: String(start + BigInt(i)),
      endTimeUnixNano: String(start + 1_000_000n),
    }));
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'retry' } }] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await post('/v1/traces', body, { 'content-type': 'application/json' })).status).toBe(200);
    }
    const r = await fetch(`${collector.url}/api/v1/traces/${traceId}`);
    const got = ((await r.json()) as { spans: Array<{ spanId: string }> }).spans.map((s) => s.spanId).sort();
    expect(got).toEqual(spans.map((s) => s.spanId).sort());
  });
});

describe('a retry sent while its first attempt is still being inserted', () => {
  // Each request is a batch of its own (batch.maxRows below its rows) and two insert slots are
  // configured (batch.maxConcurrentInserts 2, the default): the first attempt and its retries
  // are in flight at once. The batcher holds back a batch whose request key an insert in progress
  // holds, so each retry's check sees the rows of the attempts before it.
  let concurrent: CollectorProcess;
  const concurrentDir = tempDataDir();

  beforeAll(async () => {
    concurrent = await startCollector({ dataDir: concurrentDir, env: { INFERLENS_BATCH_MAX_ROWS: '1000', INFERLENS_BATCH_MAX_CONCURRENT_INSERTS: '2' } });
  });

  afterAll(async () => {
    await concurrent?.stop();
    removeDir(concurrentDir);
  });

  it('stores each prediction and each span once', async () => {
    const at = Date.now() - 60_000;
    const predictions = range(5000).map((i) => JSON.stringify({ predictionId: `c-${i}`, model: 'concurrent', timestamp: at + i })).join('\n');
    const send = (path: string, body: string, type: string) =>
      fetch(concurrent.url + path, { method: 'POST', body, headers: { 'content-type': type } }).then((r) => r.status);
    for (let round = 0; round < 3; round++) {
      expect(await Promise.all([1, 2, 3].map(() => send('/v1/predictions', predictions, 'application/x-ndjson')))).toEqual([200, 200, 200]);
    }
    const r = await fetch(`${concurrent.url}/api/v1/predictions?model=concurrent&limit=10000`);
    const stored = ((await r.json()) as { predictions: Array<{ predictionId: string }> }).predictions.map((p) => p.predictionId);
    expect(stored).toHaveLength(5000);

    const traceId = randomBytes(16).toString('hex');
    const start = BigInt(at) * 1_000_000n;
    const spans = range(3000).map((i) => ({ traceId, spanId: randomBytes(8).toString('hex'), name: 'op', kind: 1, startTimeUnixNano: String(start + BigInt(i)), endTimeUnixNano: String(start + 1_000_000n) }));
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'concurrent' } }] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
    for (let round = 0; round < 3; round++) {
      expect(await Promise.all([1, 2, 3].map(() => send('/v1/traces', body, 'application/json')))).toEqual([200, 200, 200]);
    }
    const t = await fetch(`${concurrent.url}/api/v1/traces/${traceId}`);
    expect(((await t.json()) as { spans: unknown[] }).spans).toHaveLength(3000);
  });
});
