import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { DAY_MS, nanosOf, recentWeekOf } from '../helpers/clock.js';

/** 10:00:00.123 UTC on a recent day (within the event-age bound), and the next hours' bounds. */
const T1 = recentWeekOf(Date.parse('2026-11-20T10:00:00.123Z'));
const iso = (ms: number) => new Date(ms).toISOString();

interface IngestReply {
  accepted: number;
  rejected: number;
  errors: string[];
}

async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers });
}

async function predictions(base: string, query: string): Promise<Array<Record<string, any>>> {
  const r = await fetch(`${base}/api/v1/predictions?${query}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { predictions: Array<Record<string, any>> }).predictions;
}

describe('native ingestion through a collector process', () => {
  let dataDir: string;
  let collector: CollectorProcess;

  beforeAll(async () => {
    dataDir = tempDataDir();
    collector = await startCollector({
      dataDir,
      env: { INFERLENS_MAX_BODY_BYTES: String(1024 * 1024), INFERLENS_MAX_DECOMPRESSED_BYTES: String(4 * 1024 * 1024), INFERLENS_MAX_RECORDS_PER_REQUEST: '1000' },
    });
  });

  afterAll(async () => {
    await collector?.stop();
    removeDir(dataDir);
  });

  it('stores valid NDJSON records, reports invalid ones by position and field, and reads them back field by field', async () => {
    const lines = [
      { predictionId: 'n-1', model: 'fraud', version: 'v3', timestamp: iso(T1), latencyMs: 12.5, features: { amount: 120.5, country: 'FR', vip: true, missing: null }, outputs: { score: 0.91, label: 'fraud' }, service: 'checkout', environment: 'prod', segment: 'eu', attributes: { region: 'eu-west', shard: 3 } },
      { predictionId: 'n-2', model: 'fraud', version: 'v3', timestamp: T1 - 123 - DAY_MS, status: 'error', errorType: 'Timeout', features: { amount: 3 } },
      { predictionId: 'n-3', model: 'fraud', version: 'v3', features: { age: 'abc', nested: { a: 1 } } },
      { predictionId: 'n-4', model: 'fraud', version: 'v4', inputTokens: 10, outputTokens: 20, sampleRate: 0.5, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
    ];
    const body = lines.map((l) => JSON.stringify(l)).join('\n') + '\n{not json\n';
    const r = await post(`${collector.url}/v1/predictions`, body, { 'content-type': 'application/x-ndjson' });
    expect(r.status).toBe(200);
    const reply = (await r.json()) as IngestReply;
    expect(reply.accepted).toBe(3);
    expect(reply.rejected).toBe(2);
    expect(reply.errors[0]).toMatch(/^record 2: features\.nested: /);
    expect(reply.errors[1]).toMatch(/^record 4: invalid JSON/);

    const got = await predictions(collector.url, 'model=fraud&limit=10');
    expect(got.map((p) => p.predictionId).sort()).toEqual(['n-1', 'n-2', 'n-4']);
    const p1 = got.find((p) => p.predictionId === 'n-1')!;
    expect(p1).toMatchObject({
      model: 'fraud', version: 'v3', project: 'default', service: 'checkout', environment: 'prod', segment: 'eu',
      latencyMs: 12.5, status: 'ok', errorType: '',
      numericFeatures: { amount: 120.5 }, categoricalFeatures: { country: 'FR', vip: 'true' },
      numericOutputs: { score: 0.91 }, categoricalOutputs: { label: 'fraud' },
      attributes: { region: 'eu-west', shard: '3' },
      timestamp: iso(T1), timeUnixNano: nanosOf(T1),
    });
    expect(p1.numericFeatures).not.toHaveProperty('missing');
    const p2 = got.find((p) => p.predictionId === 'n-2')!;
    expect(p2).toMatchObject({ status: 'error', errorType: 'Timeout', timeUnixNano: nanosOf(T1 - 123 - DAY_MS) });
    const p4 = got.find((p) => p.predictionId === 'n-4')!;
    expect(p4).toMatchObject({ version: 'v4', inputTokens: 10, outputTokens: 20, sampleRate: 0.5, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' });

    const v4 = await predictions(collector.url, 'model=fraud&version=v4');
    expect(v4.map((p) => p.predictionId)).toEqual(['n-4']);
    const ranged = await predictions(collector.url, `model=fraud&from=${iso(T1 - 3_600_000)}&to=${iso(T1 + 3_600_000)}`);
    expect(ranged.map((p) => p.predictionId)).toEqual(['n-1']);
  });

  it('accepts a gzip JSON array and the project header', async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ predictionId: `g-${i}`, model: 'churn', features: { tenure: i } }));
    const r = await post(`${collector.url}/v1/predictions`, gzipSync(JSON.stringify(records)), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-inferlens-project': 'shop',
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ accepted: 50, rejected: 0, errors: [] });
    expect(await predictions(collector.url, 'model=churn')).toEqual([]);
    const got = await predictions(collector.url, 'project=shop&model=churn&limit=1000');
    expect(got).toHaveLength(50);
    expect(new Set(got.map((p) => p.numericFeatures.tenure)).size).toBe(50);
  });

  it('stores feedback', async () => {
    const r = await post(`${collector.url}/v1/feedback`, '{"predictionId":"n-1","label":"fraud"}\n{"predictionId":"n-2","value":1.5}\n{"predictionId":"n-4"}', {
      'content-type': 'application/x-ndjson',
    });
    expect(r.status).toBe(200);
    const reply = (await r.json()) as IngestReply;
    expect(reply).toMatchObject({ accepted: 2, rejected: 1 });
    expect(reply.errors[0]).toMatch(/^record 2: /);
  });

  it('refuses bad requests with a clear status and message and stays up', async () => {
    const wrongType = await post(`${collector.url}/v1/predictions`, '<xml/>', { 'content-type': 'text/html' });
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as { message: string }).message).toMatch(/unsupported Content-Type "text\/html"/);

    const big = 'x'.repeat(2 * 1024 * 1024);
    const tooBig = await post(`${collector.url}/v1/predictions`, big, { 'content-type': 'application/x-ndjson' });
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { message: string }).message).toMatch(/maxBodyBytes/);

    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const bombed = await post(`${collector.url}/v1/predictions`, bomb, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
    expect(bombed.status).toBe(413);
    expect(((await bombed.json()) as { message: string }).message).toMatch(/maxDecompressedBytes/);

    const badGzip = await post(`${collector.url}/v1/predictions`, Buffer.from('not gzip at all'), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
    expect(badGzip.status).toBe(400);

    const many = Array.from({ length: 1001 }, (_, i) => JSON.stringify({ predictionId: `m-${i}`, model: 'many' })).join('\n');
    const tooMany = await post(`${collector.url}/v1/predictions`, many, { 'content-type': 'application/x-ndjson' });
    expect(tooMany.status).toBe(413);
    expect(await predictions(collector.url, 'model=many')).toEqual([]);

    const health = await fetch(`${collector.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('keeps every row across a graceful restart on the same data directory', async () => {
    const before = await predictions(collector.url, 'model=fraud&limit=100');
    expect(await collector.stop('SIGTERM')).toBe(0);
    collector = await startCollector({ dataDir });
    const after = await predictions(collector.url, 'model=fraud&limit=100');
    expect(after).toEqual(before);
  });
});
