import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// Retries of requests already stored, against a collector child process: a prediction (by project
// and prediction id) and a span (by trace and span id) are stored once however often a client
// re-sends them, including records without their own time, which take the time they are received.

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

  it('keeps a request whose ids are new mixed with ids already stored: only the new rows go in', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const line = (i: number) => JSON.stringify({ predictionId: `m-${i}`, model: 'mixed', timestamp: at });
    expect((await post('/v1/predictions', range(10).map(line).join('\n'))).status).toBe(200);
    expect((await post('/v1/predictions', range(20).map(line).join('\n'))).json.accepted).toBe(20);
    expect(await ids('model=mixed')).toEqual(range(20).map((i) => `m-${i}`).sort());
  });

  it('scopes prediction ids to their project: the same id in another project is another prediction', async () => {
    const body = JSON.stringify({ predictionId: 'p-1', model: 'scoped', timestamp: new Date().toISOString() });
    expect((await post('/v1/predictions', body)).status).toBe(200);
    expect((await post('/v1/predictions', body, { 'x-inferlens-project': 'other' })).status).toBe(200);
    expect(await ids('model=scoped')).toEqual(['p-1']);
    expect(await ids('model=scoped&project=other')).toEqual(['p-1']);
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
