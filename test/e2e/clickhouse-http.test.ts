import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { postAccepted } from '../helpers/ndjson.js';

// The collector's read-only ClickHouse HTTP interface over its embedded store (clickhouseHttp.*),
// as Grafana's plugin and @clickhouse/client meet it: a collector child process with the
// interface on a free port, its store fed through ingestion, queried over HTTP.

const USER = 'grafana';
const PASSWORD = 'pä55:word';
let collector: CollectorProcess;
let dir: string;
let chUrl: string;
let client: ClickHouseClient;
const clients: ClickHouseClient[] = [];

function newClient(options: { username?: string; password?: string; database?: string } = {}): ClickHouseClient {
  const c = createClient({ url: chUrl, username: USER, password: PASSWORD, ...options, log: { level: ClickHouseLogLevel.OFF } });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = tempDataDir();
  collector = await startCollector({
    dataDir: dir,
    env: {
      // The embedded store, even when the suites run against a server.
      INFERLENS_CLICKHOUSE_URL: '',
      INFERLENS_CLICKHOUSE_HTTP_PORT: '0',
      INFERLENS_CLICKHOUSE_HTTP_USERNAME: USER,
      INFERLENS_CLICKHOUSE_HTTP_PASSWORD: PASSWORD,
      INFERLENS_CLICKHOUSE_HTTP_MAX_EXECUTION_SECONDS: '2',
      INFERLENS_CLICKHOUSE_HTTP_MAX_MEMORY_BYTES: String(64 * 1024 * 1024),
    },
  });
  const line = collector.output.map((l) => { try { return JSON.parse(l) as { msg?: string; port?: number; host?: string } } catch { return {}; } }).find((r) => r.msg === 'clickhouse http interface listening (read-only)');
  expect(line?.host).toBe('127.0.0.1');
  chUrl = `http://127.0.0.1:${line!.port}`;
  client = newClient();
  const t = Date.now() - 60_000;
  await postAccepted(`${collector.url}/v1/predictions`, Array.from({ length: 20 }, (_, i) => ({ predictionId: `g-${i}`, model: 'fraud', version: i % 2 ? 'v2' : 'v1', timestamp: t + i, latencyMs: i, features: { amount: i * 1.5, country: 'FR' } })));
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await collector?.stop();
  if (dir) removeDir(dir);
});

const rows = async <T>(c: ClickHouseClient, query: string, query_params?: Record<string, unknown>) =>
  (await c.query({ query, format: 'JSONEachRow', ...(query_params ? { query_params } : {}) })).json<T>();

describe('read-only ClickHouse HTTP interface over the embedded store', () => {
  it("reads Inferlens' tables through @clickhouse/client: parameters, formats, compression, the store's own rows", async () => {
    expect(await rows(client, 'SELECT ModelVersion AS v, count() AS n FROM predictions WHERE ModelName = {m:String} GROUP BY v ORDER BY v', { m: 'fraud' })).toEqual([
      { v: 'v1', n: 10 },
      { v: 'v2', n: 10 },
    ]);
    const json = await (await client.query({ query: "SELECT sum(NumericFeatures['amount']) AS s FROM predictions", format: 'JSON' })).json<{ s: number }>();
    expect(json.data).toEqual([{ s: 285 }]);
    const gz = newClient({});
    const gzip = createClient({ url: chUrl, username: USER, password: PASSWORD, compression: { response: true, request: true } });
    clients.push(gzip);
    expect(await rows(gzip, 'SELECT count() AS n FROM otel_traces')).toEqual([{ n: 0 }]);
    expect(await gz.ping()).toMatchObject({ success: true });
    // Table functions that stay inside the engine are allowed; SHOW TABLES lists the store's tables.
    expect(await rows(client, 'SELECT sum(number) AS s FROM numbers(10)')).toEqual([{ s: 45 }]);
    const tables = (await rows<{ name: string }>(client, 'SHOW TABLES')).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['predictions', 'feedback', 'otel_traces', 'otel_logs', 'drift_results', 'alert_events']));
  });

  it('answers no credentials with 401 and wrong ones with 403', async () => {
    const none = await fetch(`${chUrl}/?query=SELECT%201`);
    expect([none.status, none.headers.get('x-clickhouse-exception-code')]).toEqual([401, '194']);
    await expect(rows(newClient({ password: 'wrong' }), 'SELECT 1')).rejects.toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
    const wrongUser = await fetch(`${chUrl}/?query=SELECT%201`, { headers: { authorization: `Basic ${Buffer.from(`default:${PASSWORD}`).toString('base64')}` } });
    expect(wrongUser.status).toBe(403);
  });

  it('refuses writes, DDL, other databases, system tables and table functions that reach out, with ClickHouse errors', async () => {
    const refusedWith = async (query: string, type: string, c = client) => {
      const err = await c.command({ query }).then(() => undefined, (e: unknown) => e);
      expect(err, query).toMatchObject({ type });
    };
    for (const q of [
      "INSERT INTO predictions (PredictionId) VALUES ('x')",
      'CREATE TABLE t (a UInt8) ENGINE = Memory',
      'DROP TABLE predictions',
      'TRUNCATE TABLE feedback',
      "ALTER TABLE predictions DELETE WHERE 1",
      'OPTIMIZE TABLE predictions FINAL',
      'SYSTEM STOP MERGES',
      'KILL QUERY WHERE 1',
      'SET max_memory_usage = 0',
      'SHOW DATABASES',
    ]) await refusedWith(q, 'READONLY');
    for (const q of [
      'SELECT * FROM system.tables',
      'SELECT name FROM `system`.`users`',
      'SELECT * FROM "INFORMATION_SCHEMA"."TABLES"',
      'SELECT * FROM information_schema.columns',
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT file('/etc/hostname')",
      "SELECT * FROM url('http://127.0.0.1:9/x', 'JSONEachRow')",
      "SELECT * FROM remote('127.0.0.1', system.one)",
      "SELECT * FROM merge('system', '^one$')",
      "SELECT * FROM s3('http://127.0.0.1:9/b/k', 'CSV')",
      "SELECT * FROM mysql('127.0.0.1:9', 'd', 't', 'u', 'p')",
      "SELECT dictGet('d', 'a', 1)",
      "SELECT * FROM predictions WHERE PredictionId IN (SELECT name FROM system.tables)",
    ]) await refusedWith(q, 'ACCESS_DENIED');
    await refusedWith('SELECT 1', 'ACCESS_DENIED', newClient({ database: 'system' }));
    // Nothing changed.
    expect(await rows(client, 'SELECT count() AS n FROM predictions')).toEqual([{ n: 20 }]);
  });

  it('bounds time and memory, and neither the client nor the statement can lift the bounds', async () => {
    await expect(rows(client, 'SELECT count() FROM numbers(1e12) WHERE cityHash64(number) = 1')).rejects.toMatchObject({ type: 'TIMEOUT_EXCEEDED' });
    await expect(rows(client, 'SELECT groupArray(number) AS a FROM numbers(1e8)')).rejects.toMatchObject({ type: 'MEMORY_LIMIT_EXCEEDED' });
    // A client's setting does not lift them, nor does the statement's own SETTINGS (readonly = 1).
    await expect(client.query({ query: 'SELECT groupArray(number) AS a FROM numbers(1e8)', format: 'JSONEachRow', clickhouse_settings: { max_memory_usage: '0' } })).rejects.toMatchObject({ type: 'MEMORY_LIMIT_EXCEEDED' });
    await expect(rows(client, 'SELECT 1 SETTINGS max_memory_usage = 0')).rejects.toMatchObject({ code: '164' });
    // A smaller limit of the client's (as Grafana's plugin sends max_execution_time) stays.
    expect(await (await client.query({ query: "SELECT getSetting('max_execution_time') AS t", format: 'JSONEachRow', clickhouse_settings: { max_execution_time: 1 } })).json()).toEqual([{ t: 1 }]);
  });
});
