// The example service (examples/fastify-service) as a child process, and a client for it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onLines } from './collector-process.js';

type AnyJson = Record<string, any>;

/** The built service (`pnpm build`). */
export const EXAMPLE_SERVICE = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../examples/fastify-service/dist/server.js');

/** `monitor.stats()` as `GET /stats` and the service's last line answer it. */
export interface Counts {
  exported: number;
  dropped: number;
  failed: number;
  queued: number;
  sampledOut: number;
  feedback: { exported: number; dropped: number; failed: number; queued: number };
}

/** The example service running as a child process. */
export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Every stdout line and stderr chunk so far. */
  output: string[];
  /** Every stdout line that parsed as JSON so far. */
  lines: AnyJson[];
  /** SIGTERM; resolves with the exit code and the final `stats()` the service printed. */
  stop(): Promise<{ code: number | null; stats: Counts | undefined }>;
}

/** Starts the example service on a free port and waits for its `listening` line. */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [EXAMPLE_SERVICE], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const lines: AnyJson[] = [];
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  onLines(child.stdout!, (line) => {
    output.push(line);
    try {
      lines.push(JSON.parse(line) as AnyJson);
    } catch {
      // not JSON
    }
  });
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  const deadline = Date.now() + 15_000;
  let port: number | undefined;
  while (port === undefined) {
    port = lines.find((l) => l.msg === 'listening')?.port as number | undefined;
    if (port !== undefined) break;
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`service did not listen within 15 s:\n${output.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output,
    lines,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      return { code, stats: lines.find((l) => l.msg === 'stopped')?.stats as Counts | undefined };
    },
  };
}

/** Polls `read` until `accept` says yes, or fails after the deadline. */
export async function poll<T>(what: string, read: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (accept(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: no match within ${timeoutMs} ms, last: ${JSON.stringify(v)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function getJson(url: string): Promise<{ status: number; body: AnyJson }> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as AnyJson };
}

/** A fresh W3C traceparent. */
export function traceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

/** The `i`-th test transaction. */
export function transaction(i: number): AnyJson {
  return { amount: 10 + (i % 1000), country: i % 7 === 0 ? 'XX' : 'FR', channel: ['web', 'ios', 'android', 'pos'][i % 4], hoursSinceLast: (i % 50) / 10, email: `user${i}@example.com` };
}

/** `POST /predict` with transaction `i`; the answer and its latency. */
export async function predict(url: string, i: number, tp = traceparent()): Promise<{ status: number; body: AnyJson; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: tp.header },
    body: JSON.stringify(transaction(i)),
  });
  const body = (await r.json()) as AnyJson;
  return { status: r.status, body, ms: performance.now() - t0 };
}

/** The 99th percentile (nearest rank). */
export function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN;
}
