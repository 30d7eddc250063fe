import { spawn, type ChildProcess } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';

/** Path of the built collector CLI. Tests run after `pnpm build`. */
export const COLLECTOR_CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../collector/dist/cli.js');

/** How a test reaches a collector over HTTPS: the CA to trust, and a client certificate when it asks for one (PEM text). */
export interface HttpsClientOptions {
  ca: string;
  cert?: string;
  key?: string;
}

/** The status of a GET over HTTPS (fetch cannot be given a CA). */
export function httpsStatus(url: string, tls: HttpsClientOptions, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ...tls, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** A collector running as a child process. */
export interface CollectorProcess {
  child: ChildProcess;
  port: number;
  url: string;
  dataDir: string;
  /** Every stdout/stderr line so far. */
  output: string[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Calls `onLine` with each complete line a stream emits (without its newline). */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
}

/** Makes a fresh temporary data directory; remove it with {@link removeDir}. */
export function tempDataDir(prefix = 'inferlens-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a directory tree, ignoring errors. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The database a collector on `dataDir` uses on a shared test server: `inferlens_test_<directory name>`. */
export function serverDatabaseFor(dataDir: string): string {
  return `inferlens_test_${basename(dataDir).replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/**
 * Starts `inferlens-collector` on a free port with the given data directory and
 * resolves once it logs that it listens and `/readyz` answers 200. `command`: how to start it
 * (default: this Node and the built `collector/dist/cli.js`; e.g. an installed package's bin).
 */
export async function startCollector(
  options: { dataDir?: string; args?: string[]; env?: Record<string, string>; command?: string[]; tls?: HttpsClientOptions } = {},
): Promise<CollectorProcess> {
  const dataDir = options.dataDir ?? tempDataDir();
  const [command, ...commandArgs] = options.command ?? [process.execPath, COLLECTOR_CLI];
  const args = [...commandArgs, '--port', '0', '--data-dir', dataDir, ...(options.args ?? [])];
  const env = { ...process.env, ...options.env };
  // An explicit INFERLENS_CLICKHOUSE_URL, even empty (the embedded store), wins.
  if (options.env?.INFERLENS_CLICKHOUSE_URL === undefined && process.env.INFERLENS_TEST_CLICKHOUSE_URL) {
    env.INFERLENS_CLICKHOUSE_URL = process.env.INFERLENS_TEST_CLICKHOUSE_URL;
    // One database per data directory: suites sharing a server keep apart, and a restart on
    // the same data directory finds its data, as it does embedded.
    env.INFERLENS_CLICKHOUSE_DATABASE ??= serverDatabaseFor(dataDir);
  }
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`collector did not start within 60 s:\n${output.join('\n')}`)), 60_000);
    onLines(child.stdout!, (line) => {
      output.push(line);
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number };
        if (rec.msg === 'collector listening' && typeof rec.port === 'number') {
          clearTimeout(timer);
          res(rec.port);
        }
      } catch {
        // not a JSON log line
      }
    });
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`collector exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = options.tls ? await httpsStatus(`${url}/readyz`, options.tls).catch(() => undefined) : (await fetch(`${url}/readyz`).catch(() => undefined))?.status;
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`collector not ready within 30 s:\n${output.join('\n')}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
  return {
    child,
    port,
    url,
    dataDir,
    output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * The environment that turns a collector's read-only ClickHouse HTTP interface (clickhouseHttp.*)
 * on, on a free port, for `username` and `password`, over the embedded store: the store stays
 * embedded even when the suites run against a server (INFERLENS_CLICKHOUSE_URL empty).
 */
export function clickHouseHttpEnv(username: string, password: string): Record<string, string> {
  return {
    INFERLENS_CLICKHOUSE_URL: '',
    INFERLENS_CLICKHOUSE_HTTP_PORT: '0',
    INFERLENS_CLICKHOUSE_HTTP_USERNAME: username,
    INFERLENS_CLICKHOUSE_HTTP_PASSWORD: password,
  };
}

/** Where a collector's read-only ClickHouse HTTP interface listens, as its start-up log line says. */
export interface ClickHouseHttpListening {
  host: string;
  port: number;
  scheme: 'http' | 'https';
  /** The project it serves, `*` for all. */
  project: string;
}

/**
 * Reads where `collector`'s read-only ClickHouse HTTP interface listens from the line it logs
 * once it does (before the collector's own "collector listening", so it is there once
 * {@link startCollector} resolves); throws, with the collector's output, if it logged none.
 */
export function clickHouseHttpListening(collector: CollectorProcess): ClickHouseHttpListening {
  for (const line of collector.output) {
    let rec: Partial<ClickHouseHttpListening> & { msg?: unknown };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      continue; // not a JSON log line
    }
    if (rec.msg !== 'clickhouse http interface listening (read-only)') continue;
    if (typeof rec.host !== 'string' || typeof rec.port !== 'number' || (rec.scheme !== 'http' && rec.scheme !== 'https') || typeof rec.project !== 'string') {
      throw new Error(`the ClickHouse HTTP interface's listening line lacks host, port, scheme or project: ${line}`);
    }
    return { host: rec.host, port: rec.port, scheme: rec.scheme, project: rec.project };
  }
  throw new Error(`the collector logged no "clickhouse http interface listening (read-only)" line:\n${collector.output.join('\n')}`);
}
