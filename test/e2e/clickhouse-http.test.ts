import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { ClickHouseLogLevel, createClient, SettingsMap, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickHouseHttpEnv, clickHouseHttpListening, removeDir, startCollector, tempDataDir, type ClickHouseHttpListening, type CollectorProcess } from '../helpers/collector-process.js';
import { makeCertificates } from '../helpers/certificates.js';
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
      ...clickHouseHttpEnv(USER, PASSWORD),
      INFERLENS_CLICKHOUSE_HTTP_MAX_EXECUTION_SECONDS: '2',
      INFERLENS_CLICKHOUSE_HTTP_MAX_MEMORY_BYTES: String(64 * 1024 * 1024),
    },
  });
  const listening = clickHouseHttpListening(collector);
  expect(listening).toMatchObject({ host: '127.0.0.1', scheme: 'http', project: '*' });
  chUrl = `http://127.0.0.1:${listening.port}`;
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
      // Key hashes and the audit trail are never served.
      'SELECT * FROM api_keys',
      'SELECT count() FROM default.audit_log',
      "SELECT 'x' IN api_keys",
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

// With auth.mode required, the interface (one password, no API keys) is made safe: it takes the
// collector's TLS, stays on loopback unless clickhouseHttp.host says otherwise (see
// config/clickhouse-http.test.ts for the choice of interface), and clickhouseHttp.project scopes
// its user to one project.
describe('the interface on a collector that requires API keys, scoped to one project, over TLS', () => {
  const ADMIN = 'admin-key-for-clickhouse-http-e2e';
  let secured: CollectorProcess;
  let securedDir: string;
  let acme: ClickHouseClient;
  let listening: ClickHouseHttpListening;

  beforeAll(async () => {
    securedDir = tempDataDir();
    const certs = makeCertificates(securedDir);
    secured = await startCollector({
      dataDir: securedDir,
      env: {
        ...clickHouseHttpEnv(USER, PASSWORD),
        INFERLENS_AUTH_MODE: 'required',
        INFERLENS_ADMIN_KEY: ADMIN,
        INFERLENS_TLS_CERT_FILE: certs.serverCert,
        INFERLENS_TLS_KEY_FILE: certs.serverKey,
        INFERLENS_CLICKHOUSE_HTTP_PROJECT: 'acme',
      },
      tls: { ca: certs.caPem },
    });
    listening = clickHouseHttpListening(secured);
    acme = createClient({ url: `https://localhost:${listening.port}`, username: USER, password: PASSWORD, tls: { ca_cert: readFileSync(certs.caFile) }, log: { level: ClickHouseLogLevel.OFF } });
    clients.push(acme);
    const t = Date.now() - 60_000;
    const records = [
      ...Array.from({ length: 3 }, (_, i) => ({ project: 'acme', predictionId: `a-${i}`, model: 'fraud', version: 'v1', timestamp: t + i, features: { x: i } })),
      ...Array.from({ length: 2 }, (_, i) => ({ project: 'other', predictionId: `o-${i}`, model: 'fraud', version: 'v1', timestamp: t + i, features: { x: 100 + i } })),
    ];
    // fetch cannot be given a CA: node:https.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${secured.url}/v1/predictions`, { method: 'POST', ca: certs.caPem, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-ndjson' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(records.map((x) => JSON.stringify(x)).join('\n'));
    });
    expect(status).toBe(200);
  });

  afterAll(async () => {
    await secured?.stop();
    if (securedDir) removeDir(securedDir);
  });

  it('listens over HTTPS on loopback for project acme, and refuses plain HTTP', async () => {
    expect(listening).toMatchObject({ host: '127.0.0.1', scheme: 'https', project: 'acme' });
    await expect(fetch(`http://127.0.0.1:${listening.port}/?query=SELECT%201`)).rejects.toThrow();
    expect(await rows(acme, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it("reads acme's rows only, in subqueries, joins and IN too; a client or statement cannot lift the filter", async () => {
    const all = async () => rows<{ n: number }>(acme, "SELECT count() AS n FROM predictions WHERE ModelName = 'fraud'");
    // Rows reach the table after the batch delay: poll for acme's three.
    const deadline = Date.now() + 20_000;
    while ((await all())[0]!.n < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await all()).toEqual([{ n: 3 }]);
    expect(await rows(acme, 'SELECT groupUniqArray(Project) AS p FROM predictions')).toEqual([{ p: ['acme'] }]);
    expect(await rows(acme, 'SELECT count() AS n FROM (SELECT * FROM default.predictions) AS a JOIN predictions AS b USING (PredictionId)')).toEqual([{ n: 3 }]);
    expect(await rows(acme, "SELECT ('other', 'o-0') IN (SELECT Project, PredictionId FROM predictions) AS seen")).toEqual([{ seen: 0 }]);
    expect(await rows(acme, 'SELECT count() AS n FROM model_activity')).toEqual([{ n: 1 }]);
    await expect(acme.query({ query: 'SELECT count() FROM predictions', format: 'JSONEachRow', clickhouse_settings: { additional_table_filters: SettingsMap.from({ predictions: '1' }) } })).rejects.toMatchObject({ code: '164' });
    await expect(rows(acme, "SELECT count() FROM predictions SETTINGS additional_table_filters = {'predictions': '1'}")).rejects.toMatchObject({ code: '164' });
  });

  it('refuses tables that are not per project, views, key hashes and the audit log', async () => {
    for (const q of ['SELECT * FROM api_keys', 'SELECT * FROM audit_log', 'SELECT * FROM job_leases', 'SELECT * FROM alert_notifications', 'SELECT * FROM model_activity_mv', "SELECT 'x' IN api_keys"]) {
      await expect(rows(acme, q), q).rejects.toMatchObject({ type: 'ACCESS_DENIED' });
    }
    // The trace id lookup holds no project's data, and Grafana's trace view reads it.
    expect(await rows(acme, 'SELECT count() AS n FROM otel_traces_trace_id_ts')).toEqual([{ n: 0 }]);
  });
});
