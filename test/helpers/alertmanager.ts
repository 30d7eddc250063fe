import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { removeDir, tempDataDir } from './collector-process.js';

/** Where Debian's `prometheus-alertmanager` package puts the binary, or one on PATH. */
export function findAlertmanager(): string | undefined {
  for (const p of ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager']) if (existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v prometheus-alertmanager || command -v alertmanager'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** A real Alertmanager on a loopback port. */
export interface AlertmanagerProcess {
  url: string;
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/**
 * Starts Alertmanager with a temporary config (one receiver that delivers nowhere) and
 * storage directory, clustering off, and resolves once `/-/ready` answers 200.
 */
export async function startAlertmanager(binary: string): Promise<AlertmanagerProcess> {
  const dir = tempDataDir('inferlens-am-');
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, "route:\n  receiver: blackhole\n  group_wait: 0s\nreceivers:\n  - name: blackhole\n");
  const port = await freePort();
  const child = spawn(binary, [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}:\n${output.join('')}`);
    const r = await fetch(`${url}/-/ready`).catch(() => undefined);
    if (r?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`alertmanager not ready within 30 s:\n${output.join('')}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
  return {
    url,
    child,
    output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      removeDir(dir);
    },
  };
}
