import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter as OTLPLogExporterHttp } from '@opentelemetry/exporter-logs-otlp-http';
import { capturePredictionIds, createMonitor } from '@inferlens/sdk';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// Access control as users meet it: a collector child process with `auth.mode: required` and a
// bootstrap admin key; keys made with the `inferlens keys` CLI; the official OpenTelemetry
// exporters with a Bearer header; the SDK with `apiKey`; a key revoked with the CLI refused at
// once; and no key ever in the collector's log.

const INFERLENS_CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../collector/dist/inferlens-cli.js');
const ADMIN = 'e2e-bootstrap-admin-key-0123456789';

type AnyJson = Record<string, any>;

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [INFERLENS_CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A GET with a chosen Host header (fetch would not send one). */
function statusWithHost(url: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { headers: { ...headers, host } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end();
  });
}

async function poll<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('access control against a collector child process', () => {
  let collector: CollectorProcess;
  let dataDir: string;
  const made: Record<string, { id: string; key: string }> = {};

  beforeAll(async () => {
    dataDir = tempDataDir('inferlens-auth-');
    collector = await startCollector({ dataDir, env: { INFERLENS_AUTH_MODE: 'required', INFERLENS_ADMIN_KEY: ADMIN } });
  });

  afterAll(async () => {
    await collector?.stop();
    removeDir(dataDir);
  });

  const read = async (path: string, key = made.read!.key) => {
    const r = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: r.status, body: (await r.json()) as AnyJson };
  };

  it('creates, lists and revokes keys with the inferlens CLI', async () => {
    for (const [name, scopes] of [['ingest', 'ingest'], ['read', 'read'], ['doomed', 'ingest,read']] as const) {
      // The admin key from the environment (out of the process list), or from --admin-key.
      const r = name === 'doomed'
        ? cli(['keys', 'create', '--url', collector.url, '--admin-key', ADMIN, '--project', 'acme', '--scopes', scopes, '--name', `e2e ${name}`])
        : cli(['keys', 'create', '--url', collector.url, '--project', 'acme', '--scopes', scopes, '--name', `e2e ${name}`], { INFERLENS_ADMIN_KEY: ADMIN });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { id: string; key: string; project: string; scopes: string[] };
      expect(out).toMatchObject({ project: 'acme', scopes: scopes.split(',') });
      made[name] = out;
    }
    const list = cli(['keys', 'list', '--url', collector.url, '--admin-key', ADMIN]);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+PROJECT\s+SCOPES\s+CREATED\s+REVOKED$/);
    for (const k of Object.values(made)) {
      expect(list.stdout).toContain(k.id);
      expect(list.stdout).not.toContain(k.key);
    }
    const json = JSON.parse(cli(['keys', 'list', '--url', collector.url, '--admin-key', ADMIN, '--json']).stdout) as { keys: AnyJson[] };
    expect(json.keys.map((k) => k.name).sort()).toEqual(['e2e doomed', 'e2e ingest', 'e2e read']);

    // Refused: no admin key, a key without admin scope, a bad action.
    const noKey = cli(['keys', 'list', '--url', collector.url], { INFERLENS_ADMIN_KEY: '' });
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toContain('401 AUTH_REQUIRED');
    const notAdmin = cli(['keys', 'list', '--url', collector.url, '--admin-key', made.read!.key]);
    expect(notAdmin.status).toBe(1);
    expect(notAdmin.stderr).toContain('403 AUTH_SCOPE_DENIED');
    expect(cli(['keys', 'rotate', '--url', collector.url]).status).toBe(2);

    // Revoked: refused from the next request on.
    expect((await read('/api/v1/activity', made.doomed!.key)).status).toBe(200);
    const revoked = cli(['keys', 'revoke', made.doomed!.id, '--url', collector.url, '--admin-key', ADMIN]);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${made.doomed!.id} \\(e2e doomed, project acme\\) at \\d{4}-`));
    const after = await read('/api/v1/activity', made.doomed!.key);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('AUTH_INVALID_KEY');

    // The audit log: who created and revoked which key, from which address; the start's configuration.
    const audit = await read('/api/v1/audit', ADMIN);
    expect(audit.status).toBe(200);
    const entries = audit.body.entries as AnyJson[];
    expect(entries.find((e) => e.action === 'key.revoked' && e.target === made.doomed!.id)).toMatchObject({ keyId: 'admin', project: 'acme', address: '127.0.0.1' });
    expect(entries.filter((e) => e.action === 'key.created').map((e) => e.details.name).sort()).toEqual(expect.arrayContaining(['e2e doomed', 'e2e ingest', 'e2e read']));
    expect(entries.find((e) => e.action === 'config.loaded')).toMatchObject({ keyId: 'collector', details: { authMode: 'required', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(Date.now() - Date.parse(entries[0]!.time)).toBeLessThan(10 * 60_000);
  });

  it('takes spans and logs from the official OpenTelemetry exporters with a Bearer header, and refuses them without', async () => {
    const resource = resourceFromAttributes({ 'service.name': 'otel-auth' });
    const headers = { Authorization: `Bearer ${made.ingest!.key}` };
    const send = async (exporter: OTLPTraceExporterProto | OTLPTraceExporterHttp, name: string) => {
      const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const span = provider.getTracer('e2e').startSpan(name);
      const traceId = span.spanContext().traceId;
      span.end();
      // The processor hands the exporter's failure to OpenTelemetry's global error handler, or rejects the flush with it.
      const flushed = await provider.forceFlush().then(
        () => 'exported',
        (err: unknown) => String((err as { message?: unknown; error?: { message?: unknown } })?.message ?? (err as { error?: { message?: unknown } })?.error?.message ?? err),
      );
      await provider.shutdown();
      return { traceId, flushed };
    };
    const proto = await send(new OTLPTraceExporterProto({ url: `${collector.url}/v1/traces`, headers }), 'with key (protobuf)');
    const json = await send(new OTLPTraceExporterHttp({ url: `${collector.url}/v1/traces`, headers }), 'with key (json)');
    const refused = await send(new OTLPTraceExporterProto({ url: `${collector.url}/v1/traces` }), 'without key');
    expect([proto.flushed, json.flushed]).toEqual(['exported', 'exported']);
    expect(refused.flushed).toMatch(/Unauthorized/);
    for (const { traceId } of [proto, json]) {
      const t = await poll(async () => {
        const r = await read(`/api/v1/traces/${traceId}`);
        return r.status === 200 ? r.body : undefined;
      }, `trace ${traceId}`);
      expect(t.spans[0].project).toBe('acme');
    }
    expect((await read(`/api/v1/traces/${refused.traceId}`)).status).toBe(404);

    const logs = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporterHttp({ url: `${collector.url}/v1/logs`, headers }) })] });
    logs.getLogger('e2e').emit({ severityNumber: SeverityNumber.INFO, body: 'hello with a key' });
    await logs.forceFlush();
    await logs.shutdown();
    const stored = await poll(async () => {
      const r = await read('/api/v1/logs?limit=100');
      return r.body.logs?.find((l: AnyJson) => l.body === 'hello with a key');
    }, 'log record');
    expect(stored.project).toBe('acme');
  });

  it('delivers the SDK’s records and spans with apiKey', async () => {
    const monitor = createMonitor({ serviceName: 'sdk-auth', endpoint: collector.url, apiKey: made.ingest!.key });
    try {
      const predict = monitor.instrument(async (x: number) => x * 2, { model: 'doubler', version: 'v1', features: ([x]) => ({ x }) });
      const { result, predictionIds } = capturePredictionIds(() => predict(21));
      expect(await result).toBe(42);
      await monitor.forceFlush();
      const p = await poll(async () => {
        const r = await read(`/api/v1/predictions?predictionId=${predictionIds[0]}`);
        return r.body.predictions?.[0] as AnyJson | undefined;
      }, 'the SDK’s prediction');
      // The key's project, though the SDK named none.
      expect(p).toMatchObject({ project: 'acme', model: 'doubler', numericFeatures: { x: 21 } });
      const t = await poll(async () => {
        const r = await read(`/api/v1/traces/${p.traceId}`);
        return r.status === 200 ? r.body : undefined;
      }, 'the SDK’s span');
      expect(t.spans[0]).toMatchObject({ serviceName: 'sdk-auth', project: 'acme' });
      expect(monitor.stats().failed).toBe(0);
    } finally {
      await monitor.shutdown();
    }
  });

  it('never writes a key to its log', async () => {
    const log = collector.output.join('\n');
    expect(log).toContain('API key created');
    for (const key of [ADMIN, ...Object.values(made).map((k) => k.key)]) expect(log).not.toContain(key);
  });
  it('limits a key to its records per second: 429 with Retry-After, nothing of the request stored; other keys go on', async () => {
    const r = cli(['keys', 'create', '--url', collector.url, '--admin-key', ADMIN, '--project', 'acme', '--scopes', 'ingest', '--name', 'e2e limited', '--records-per-second', '1', '--burst', '20']);
    expect(r.status, r.stderr).toBe(0);
    const limited = (JSON.parse(r.stdout) as { key: string }).key;
    const send = (key: string, prefix: string, n: number) =>
      fetch(`${collector.url}/v1/predictions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
        body: Array.from({ length: n }, (_, i) => JSON.stringify({ predictionId: `${prefix}-${i}`, model: 'limited', latencyMs: 1 })).join('\n'),
      });
    expect((await send(limited, 'lim-a', 20)).status).toBe(200);
    // At 1 record a second, 10 more need about 10 s: refused whole, saying when to come back.
    const refused = await send(limited, 'lim-b', 10);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect(((await refused.json()) as AnyJson).error).toBe('INGEST_RATE_LIMITED');
    // OTLP too, answered as OTLP (RESOURCE_EXHAUSTED).
    const otlp = await fetch(`${collector.url}/v1/logs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${limited}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{ resource: {}, scopeLogs: [{ logRecords: Array.from({ length: 5 }, () => ({ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), body: { stringValue: 'x' } })) }] }] }),
    });
    expect(otlp.status).toBe(429);
    expect(((await otlp.json()) as AnyJson).code).toBe(8);
    // Another key is not slowed down.
    expect((await send(made.ingest!.key, 'free', 30)).status).toBe(200);
    const stored = await read('/api/v1/predictions?model=limited&limit=100');
    expect((stored.body.predictions as AnyJson[]).map((p) => p.predictionId).sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `lim-a-${i}`), ...Array.from({ length: 30 }, (_, i) => `free-${i}`)].sort());
  });
});

describe('a collector bound beyond loopback', () => {
  const dirs: string[] = [];
  const procs: CollectorProcess[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const d of dirs) removeDir(d);
  });
  const dir = () => {
    const d = tempDataDir('inferlens-exposed-');
    dirs.push(d);
    return d;
  };

  it('refuses to start with authentication off, saying how to protect it or to opt out', () => {
    const COLLECTOR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../collector/dist/cli.js');
    const r = spawnSync(process.execPath, [COLLECTOR, '--host', '0.0.0.0', '--port', '0', '--data-dir', dir()], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, INFERLENS_AUTH_MODE: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('inferlens-collector: config error: host 0.0.0.0 is not a loopback address and auth.mode is off');
    expect(r.stderr).toContain('INFERLENS_AUTH_MODE=required');
    expect(r.stderr).toContain('auth.allowUnauthenticated: true');
  });

  it('starts with auth.allowUnauthenticated, and warns; starts quietly with keys required', async () => {
    const unprotected = await startCollector({ dataDir: dir(), args: ['--host', '0.0.0.0'], env: { INFERLENS_AUTH_ALLOW_UNAUTHENTICATED: 'true' } });
    procs.push(unprotected);
    const warning = unprotected.output.map((l) => JSON.parse(l) as AnyJson).find((l) => l.level === 40 && /auth\.mode is off/.test(l.msg));
    expect(warning).toMatchObject({ host: '0.0.0.0' });
    // Reached by an address of this machine: answered.
    expect((await fetch(`${unprotected.url}/api/v1/activity`)).status).toBe(200);

    const protectedOne = await startCollector({ dataDir: dir(), args: ['--host', '0.0.0.0'], env: { INFERLENS_AUTH_MODE: 'required', INFERLENS_ADMIN_KEY: ADMIN } });
    procs.push(protectedOne);
    expect(protectedOne.output.join('\n')).not.toMatch(/auth\.mode is off/);
    expect((await fetch(`${protectedOne.url}/api/v1/activity`)).status).toBe(401);
    expect((await fetch(`${protectedOne.url}/api/v1/activity`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
  });

  it('answers only the Host names it knows, from any client, once bound beyond loopback', async () => {
    const c = await startCollector({
      dataDir: dir(),
      args: ['--host', '0.0.0.0'],
      env: { INFERLENS_AUTH_MODE: 'required', INFERLENS_ADMIN_KEY: ADMIN, INFERLENS_AUTH_ALLOWED_HOSTS: 'inferlens.example.com' },
    });
    procs.push(c);
    const admin = { authorization: `Bearer ${ADMIN}` };
    const url = `${c.url}/api/v1/activity`;
    expect(await statusWithHost(url, `rebind.attacker.example:${c.port}`, admin)).toBe(403);
    expect(await statusWithHost(url, `localhost:${c.port}`, admin)).toBe(200);
    expect(await statusWithHost(url, `inferlens.example.com:${c.port}`, admin)).toBe(200);
    expect(await statusWithHost(`${c.url}/healthz`, 'rebind.attacker.example')).toBe(200);
  });
});
