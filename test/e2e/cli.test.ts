import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, OPTIONS } from '@inferlens/collector';
import { COLLECTOR_CLI, removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'inferlens-cli-test-'));
const started: CollectorProcess[] = [];
const dirs: string[] = [scratch];

afterAll(async () => {
  await Promise.all(started.map((c) => c.stop('SIGKILL')));
  for (const d of dirs) removeDir(d);
});

/** The test runner's environment without any INFERLENS_* variable, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('INFERLENS_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs the CLI to completion (it must exit on its own within 30 s). */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COLLECTOR_CLI, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`inferlens-collector ${args.join(' ')} did not exit within 30 s:\n${stdout}\n${stderr}`));
    }, 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// Every option as docs/configuration.md documents it: flag (if any), environment variable, YAML key, default.
const DOCUMENTED = [
  { key: 'host', flag: '--host', env: 'INFERLENS_HOST', default: '127.0.0.1' },
  { key: 'port', flag: '--port', env: 'INFERLENS_PORT', default: '4318' },
  { key: 'dataDir', flag: '--data-dir', env: 'INFERLENS_DATA_DIR', default: './.inferlens/data' },
  { key: 'clickhouse.url', flag: '--clickhouse-url', env: 'INFERLENS_CLICKHOUSE_URL', default: '(empty)' },
  { key: 'clickhouse.username', env: 'INFERLENS_CLICKHOUSE_USERNAME', default: 'default' },
  { key: 'clickhouse.password', env: 'INFERLENS_CLICKHOUSE_PASSWORD', default: '(empty)' },
  { key: 'clickhouse.database', env: 'INFERLENS_CLICKHOUSE_DATABASE', default: 'default' },
  { key: 'limits.maxBodyBytes', env: 'INFERLENS_MAX_BODY_BYTES', default: String(16 * 1024 * 1024) },
  { key: 'limits.maxDecompressedBytes', env: 'INFERLENS_MAX_DECOMPRESSED_BYTES', default: String(64 * 1024 * 1024) },
  { key: 'limits.maxRecordsPerRequest', env: 'INFERLENS_MAX_RECORDS_PER_REQUEST', default: '100000' },
  { key: 'batch.maxRows', env: 'INFERLENS_BATCH_MAX_ROWS', default: '50000' },
  { key: 'batch.maxBytes', env: 'INFERLENS_BATCH_MAX_BYTES', default: String(32 * 1024 * 1024) },
  { key: 'batch.maxDelayMs', env: 'INFERLENS_BATCH_MAX_DELAY_MS', default: '20' },
  { key: 'batch.maxConcurrentInserts', env: 'INFERLENS_BATCH_MAX_CONCURRENT_INSERTS', default: '2' },
  { key: 'batch.maxPendingRows', env: 'INFERLENS_BATCH_MAX_PENDING_ROWS', default: '500000' },
  { key: 'drift.idleTimeoutSeconds', env: 'INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS', default: '300' },
  { key: 'logLevel', flag: '--log-level', env: 'INFERLENS_LOG_LEVEL', default: 'info' },
] as const;

// Each case is its own short-lived process: run them side by side.
describe.concurrent('inferlens-collector command line', () => {
  it('schema prints the DDL, for one node and with --cluster for a cluster, without connecting anywhere', async ({ expect }) => {
    const single = await runCli(['schema']);
    expect([single.code, single.stderr]).toEqual([0, '']);
    expect(single.stdout).toMatch(/^-- Inferlens schema, one node/);
    expect(single.stdout).toContain('CREATE TABLE IF NOT EXISTS predictions (');
    expect(single.stdout).not.toContain('ON CLUSTER');
    const cluster = await runCli(['schema', '--cluster', 'prod', '--database', 'inferlens']);
    expect([cluster.code, cluster.stderr]).toEqual([0, '']);
    expect(cluster.stdout).toContain("ENGINE = Distributed('prod', 'inferlens', 'predictions_local', cityHash64(Project, PredictionId))");
    expect((await runCli(['schema', '--bogus'])).code).toBe(2);
  });

  it('--help exits 0 and lists every flag and environment variable with its default', async ({ expect }) => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^Usage: inferlens-collector/);
    for (const o of DOCUMENTED) {
      const line = lines.find((l) => l.includes(`env ${o.env};`));
      expect(line, `--help has no line for ${o.env}`).toBeDefined();
      expect(line!.trimEnd().endsWith(`default ${o.default}`), `${o.env}: ${line}`).toBe(true);
      expect(line, o.env).toContain('flag' in o ? `${o.flag} <value>` : `(file: ${o.key})`);
    }
    for (const flag of ['--config <file>', 'INFERLENS_CONFIG', '--help', '--version']) expect(stdout).toContain(flag);
  });

  it('--help has one line per key of the configuration schema, in schema order, naming its flag or file key, variable and default', async ({ expect }) => {
    const { stdout } = await runCli(['--help']);
    const lines = stdout.split('\n');
    const first = lines.findIndex((l) => l.startsWith('  --config <file>')) + 1;
    const keyLines = lines.slice(first, lines.findIndex((l) => l.startsWith('  --help')));
    expect(keyLines.length).toBe(OPTIONS.length);
    for (const [i, o] of OPTIONS.entries()) {
      const line = keyLines[i]!;
      expect(line.startsWith(`  ${o.flag ? `--${o.flag} <value>` : `(file: ${o.path})`} `), `${o.path}: ${line}`).toBe(true);
      expect(line.endsWith(`${o.env ? `; env ${o.env}` : ''}; default ${o.defaultText}`), `${o.path}: ${line}`).toBe(true);
    }
  });

  it('--version prints the package version', async ({ expect }) => {
    const { version } = JSON.parse(readFileSync(new URL('../../collector/package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('exits 2 with a message for an unknown flag or a stray argument', async ({ expect }) => {
    const unknown = await runCli(['--prot', '4318']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("'--prot'");
    expect(unknown.stderr).toContain('--help');
    expect(unknown.stdout).toBe('');

    const stray = await runCli(['serve']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("'serve'");
  });

  it('exits 2 naming port, "abc" and --port for --port abc, before opening any store', async ({ expect }) => {
    const dataDir = join(scratch, 'never-created');
    const { code, stderr } = await runCli(['--port', 'abc', '--data-dir', dataDir]);
    expect(code).toBe(2);
    expect(stderr).toContain('port (from --port)');
    expect(stderr).toContain('"abc"');
    expect(stderr).toContain('expected an integer from 0 to 65535');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('exits 2 naming the key of a bad value in the YAML file given by --config or INFERLENS_CONFIG', async ({ expect }) => {
    const file = join(scratch, 'bad.yaml');
    writeFileSync(file, 'port: 4318\nbatch:\n  maxDelayMs: soon\n');
    for (const run of [() => runCli(['--config', file]), () => runCli([], { INFERLENS_CONFIG: file })]) {
      const { code, stderr } = await run();
      expect(code).toBe(2);
      expect(stderr).toContain(`batch.maxDelayMs (from ${file})`);
      expect(stderr).toContain('"soon"');
      expect(stderr).toContain('expected an integer');
    }
    const unknownKey = join(scratch, 'unknown.yaml');
    writeFileSync(unknownKey, 'logLevl: debug\n');
    const { code, stderr } = await runCli(['--config', unknownKey]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown key "logLevl"');
  });

  it('exits 2 naming INFERLENS_PORT for INFERLENS_PORT=70000', async ({ expect }) => {
    const { code, stderr } = await runCli([], { INFERLENS_PORT: '70000' });
    expect(code).toBe(2);
    expect(stderr).toContain('port (from INFERLENS_PORT)');
    expect(stderr).toContain('"70000"');
  });
});

// In server mode (INFERLENS_TEST_CLICKHOUSE_URL, see the helper) each start-up below gets a
// database of its own, so "fresh" means fresh there too; embedded mode ignores the variable.
let databases = 0;
function freshDatabase(): Record<string, string> {
  return { INFERLENS_CLICKHOUSE_DATABASE: `inferlens_cli_${process.pid}_${++databases}` };
}

interface Outcome {
  /** Index of the request; its records are `${id}-0` ... `${id}-${RECORDS - 1}`. */
  id: string;
  status?: number;
  retryAfter?: string | undefined;
  body?: string;
  error?: string;
  sentBeforeSignal: boolean;
  answeredAfterSignal: boolean;
}

/** POST /v1/predictions over node:http; resolves with the status, or with the connection error. */
function postNdjson(port: number, body: string, agent: Agent): Promise<{ status: number; retryAfter: string | undefined; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/predictions', agent, headers: { 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'], body: text }));
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(body);
  });
}

async function storedIds(url: string, model: string): Promise<string[]> {
  const r = await fetch(`${url}/api/v1/predictions?model=${model}&limit=10000`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { predictions: Array<{ predictionId: string }> }).predictions.map((p) => p.predictionId);
}

describe('inferlens-collector process lifecycle', () => {
  it('SIGTERM during a burst exits 0, and every request answered 200 has all its records stored', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    // A longer batch delay keeps requests waiting in batches when the signal arrives.
    const database = freshDatabase();
    const collector = await startCollector({ dataDir, env: { ...database, INFERLENS_BATCH_MAX_DELAY_MS: '100' } });
    started.push(collector);

    const MODEL = 'graceful';
    const RECORDS = 100;
    const CLIENTS = 8;
    const SIGNAL_AFTER = 10; // successful requests before SIGTERM
    const MAX_PER_CLIENT = 200; // bounds the test if the collector never stops
    const outcomes: Outcome[] = [];
    let signalled = false;
    let exited: Promise<number | null> | undefined;
    // Half the clients reuse keep-alive connections, half open one per request.
    const agents = [new Agent({ keepAlive: true }), new Agent({ keepAlive: false })];

    const client = async (c: number): Promise<void> => {
      for (let k = 0; k < MAX_PER_CLIENT; k++) {
        const id = `c${c}r${k}`;
        const body = Array.from({ length: RECORDS }, (_, i) => JSON.stringify({ predictionId: `${id}-${i}`, model: MODEL, latencyMs: i, features: { x: i } })).join('\n');
        const sentBeforeSignal = !signalled;
        const r = await postNdjson(collector.port, body, agents[c % 2]!);
        const outcome: Outcome = { id, sentBeforeSignal, answeredAfterSignal: signalled, ...r };
        outcomes.push(outcome);
        if (outcome.status === 200 && !signalled && outcomes.filter((o) => o.status === 200).length >= SIGNAL_AFTER) {
          signalled = true;
          exited = collector.stop('SIGTERM');
        }
        if (outcome.status !== 200) return; // refused: this client is done
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    for (const a of agents) a.destroy();

    expect(signalled).toBe(true);
    expect(await exited).toBe(0);
    expect(collector.output.some((l) => l.includes('"msg":"stopped"'))).toBe(true);

    const ok = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status !== 200);
    // The signal really landed mid-burst: requests sent before it were answered after it.
    expect(outcomes.filter((o) => o.sentBeforeSignal && o.answeredAfterSignal).length).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThanOrEqual(SIGNAL_AFTER);
    expect(refused.length).toBeGreaterThan(0); // every client ends on a refusal
    for (const o of ok) expect(JSON.parse(o.body!), o.id).toEqual({ accepted: RECORDS, rejected: 0, errors: [] });
    for (const o of refused) {
      // A clean refusal: 503 or a connection that failed; never another status.
      if (o.status !== undefined) {
        expect(o.status, `${o.id}: ${o.body}`).toBe(503);
        expect(o.retryAfter, `${o.id}: a 503 says when to retry`).toMatch(/^\d+$/);
      }
      else expect(o.error, o.id).toMatch(/^(ECONNREFUSED|ECONNRESET|EPIPE|socket hang up)$/);
    }

    const restarted = await startCollector({ dataDir, env: database });
    started.push(restarted);
    const ids = await storedIds(restarted.url, MODEL);
    expect(ids.length).toBeLessThan(10_000); // the read above was not cut off by its limit
    expect(new Set(ids).size).toBe(ids.length); // nothing stored twice
    const byRequest = new Map<string, number>();
    for (const pid of ids) {
      const req = pid.slice(0, pid.lastIndexOf('-'));
      byRequest.set(req, (byRequest.get(req) ?? 0) + 1);
    }
    for (const o of ok) expect(byRequest.get(o.id), `request ${o.id} got 200`).toBe(RECORDS);
    for (const o of refused) {
      // A 503 stored nothing; a broken connection may have lost the answer of a stored
      // request, but a request is stored whole or not at all.
      if (o.status === 503) expect(byRequest.get(o.id), `request ${o.id} got 503`).toBeUndefined();
      else expect([undefined, RECORDS], o.id).toContain(byRequest.get(o.id));
    }
    expect(await restarted.stop('SIGTERM')).toBe(0);
  });

  it('SIGINT exits 0; a second start on the same data directory applies no migration and is at the newest schema', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const newest = Math.max(...MIGRATIONS.map((m) => m.version));
    const migrationLines = (c: CollectorProcess) =>
      c.output.flatMap((l) => {
        try {
          const rec = JSON.parse(l) as { msg?: string; applied?: number[] };
          return rec.msg === 'schema migrations applied' ? [rec] : [];
        } catch {
          return [];
        }
      });

    const database = freshDatabase();
    const first = await startCollector({ dataDir, env: database });
    started.push(first);
    expect(migrationLines(first).map((r) => r.applied)).toEqual([MIGRATIONS.map((m) => m.version).sort((a, b) => a - b)]);
    const post = await fetch(`${first.url}/v1/predictions`, {
      method: 'POST',
      body: JSON.stringify({ predictionId: 'sigint-1', model: 'sigint' }),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(post.status).toBe(200);
    expect(await first.stop('SIGINT')).toBe(0);

    const second = await startCollector({ dataDir, env: database });
    started.push(second);
    expect(migrationLines(second)).toEqual([]);
    const ready = await fetch(`${second.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', schemaVersion: newest });
    expect(await storedIds(second.url, 'sigint')).toEqual(['sigint-1']);
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
