import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onLines, removeDir, tempDataDir } from './collector-process.js';

/** The process entry of the test server (needs `pnpm build`: it runs the collector's `dist/clickhouse-http`). */
const SERVER_PROCESS = resolve(fileURLToPath(new URL('.', import.meta.url)), 'clickhouse-server-process.mjs');

/** A ClickHouse HTTP interface for tests: the chDB-backed test server, or a real server. */
export interface ClickHouseTestServer {
  /** e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** True for a real server given by `INFERLENS_TEST_CLICKHOUSE_URL`. */
  real: boolean;
  /** The engine's `version()`. */
  version: string;
  /** Every stderr line of the test server so far (empty for a real server). */
  output: string[];
  /** Stops the test server and removes its data (nothing for a real server). */
  stop(): Promise<void>;
}

/**
 * Starts ClickHouse's HTTP interface over chDB in a child process of its own (chDB binds one
 * data directory per process), on a free loopback port: the part of the interface that
 * `@clickhouse/client` uses, over the real engine (see `collector/src/clickhouse-http` and
 * `docs/scale-out.md` for what it does not model). With `user`, requests must carry these
 * credentials. `CLICKHOUSE_TEST_LOG=1` logs every request on the test's stderr.
 */
export async function startClickHouseTestServer(options: { user?: { username: string; password: string } } = {}): Promise<ClickHouseTestServer> {
  const dataDir = tempDataDir('inferlens-clickhouse-');
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };
  if (options.user) {
    env.CLICKHOUSE_TEST_USER = options.user.username;
    env.CLICKHOUSE_TEST_PASSWORD = options.user.password;
  }
  const child: ChildProcess = spawn(process.execPath, [SERVER_PROCESS, dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  onLines(child.stderr!, (line) => {
    output.push(line);
    if (process.env.CLICKHOUSE_TEST_LOG) process.stderr.write(`[clickhouse] ${line}\n`);
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const started = await new Promise<{ port: number; version: string }>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`the test ClickHouse server did not start within 30 s:\n${output.join('\n')}`)), 30_000);
    onLines(child.stdout!, (line) => {
      try {
        const m = JSON.parse(line) as { port?: number; version?: string };
        if (typeof m.port === 'number') {
          clearTimeout(timer);
          res({ port: m.port, version: String(m.version) });
        }
      } catch {
        output.push(line);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`the test ClickHouse server exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${started.port}`,
    real: false,
    version: started.version,
    output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      removeDir(dataDir);
    },
  };
}

/**
 * The ClickHouse server the server-mode tests run against: the real one at
 * `INFERLENS_TEST_CLICKHOUSE_URL` when it is set, otherwise the chDB-backed test server.
 */
export async function clickHouseForTests(): Promise<ClickHouseTestServer> {
  const url = process.env.INFERLENS_TEST_CLICKHOUSE_URL;
  if (!url) return startClickHouseTestServer();
  const r = await fetch(`${url.replace(/\/$/, '')}/?query=${encodeURIComponent('SELECT version()')}`);
  if (!r.ok) throw new Error(`INFERLENS_TEST_CLICKHOUSE_URL=${url} does not answer SELECT version(): ${r.status} ${await r.text()}`);
  return { url: url.replace(/\/$/, ''), real: true, version: (await r.text()).trim(), output: [], stop: async () => undefined };
}
