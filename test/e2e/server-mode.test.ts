import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// The same collector code against a ClickHouse server instead of embedded chDB. No server
// can be installed from this machine's registries, so this suite runs only when
// INFERLENS_TEST_CLICKHOUSE_URL points at one (e.g. http://127.0.0.1:8123); otherwise each
// test is reported as skipped with the reason. Setting the variable also switches every
// other e2e suite to server mode (see test/helpers/collector-process.ts).
const url = process.env.INFERLENS_TEST_CLICKHOUSE_URL;
const reason = 'INFERLENS_TEST_CLICKHOUSE_URL is not set: no ClickHouse server to run the server-mode suite against';

describe('server mode (ClickHouse over HTTP)', () => {
  let collector: CollectorProcess | undefined;
  let dataDir: string;
  const database = `inferlens_test_${process.pid}`;

  beforeAll(async () => {
    if (!url) return;
    dataDir = tempDataDir();
    collector = await startCollector({ dataDir, env: { INFERLENS_CLICKHOUSE_URL: url, INFERLENS_CLICKHOUSE_DATABASE: database } });
  });
  afterAll(async () => {
    await collector?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it('reports the server store as ready', async (ctx) => {
    if (!url) ctx.skip(reason);
    const r = await fetch(`${collector!.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ready', store: 'server' });
  });

  it('stores predictions and reads them back, then keeps them across a restart', async (ctx) => {
    if (!url) ctx.skip(reason);
    const body = ['s-1', 's-2'].map((id, i) => JSON.stringify({ predictionId: id, model: 'server-model', latencyMs: i, features: { x: i, c: 'a' } })).join('\n');
    const r = await fetch(`${collector!.url}/v1/predictions`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
    expect(await r.json()).toEqual({ accepted: 2, rejected: 0, errors: [] });
    const read = async () =>
      ((await (await fetch(`${collector!.url}/api/v1/predictions?model=server-model`)).json()) as { predictions: Array<{ predictionId: string }> }).predictions
        .map((p) => p.predictionId)
        .sort();
    expect(await read()).toEqual(['s-1', 's-2']);
    expect(await collector!.stop()).toBe(0);
    collector = await startCollector({ dataDir, env: { INFERLENS_CLICKHOUSE_URL: url!, INFERLENS_CLICKHOUSE_DATABASE: database } });
    expect(await read()).toEqual(['s-1', 's-2']);
  });
});
