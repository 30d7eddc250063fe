import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `pnpm chaos` sets CHAOS_FULL=1: the sizes; otherwise the bounded form that CI runs. */
export const FULL = process.env.CHAOS_FULL === '1';

/** Where each scenario writes its figures (JSON), beside printing them. */
export const RESULTS_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../test-results/chaos');

/** Prints a scenario's figures and writes them to `test-results/chaos/<name>.json`. */
export function report(name: string, figures: Record<string, unknown>): void {
  const full = { scenario: name, size: FULL ? 'full' : 'bounded', at: new Date().toISOString(), ...figures };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${name}.json`), JSON.stringify(full, null, 2) + '\n');
  console.log(`chaos ${name} (${full.size}): ${JSON.stringify(figures)}`);
}

/** Width of a request's id prefix in a body (`c003r000017`). */
const PREFIX = 11;

/**
 * A body of NDJSON predictions of about `bytes` bytes, made once, whose record ids start with a
 * fixed-width prefix that {@link BodyTemplate.write} patches per request, so that many clients
 * can send large distinct bodies without each holding its own copy.
 */
export class BodyTemplate {
  readonly bytes: Buffer;
  readonly records: number;
  readonly #offsets: number[];

  constructor(bytes: number, model = 'chaos') {
    const lines: string[] = [];
    const offsets: number[] = [];
    let size = 0;
    const at = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; size < bytes; i++) {
      const head = '{"predictionId":"';
      offsets.push(size + head.length);
      const line = `${head}${'x'.repeat(PREFIX)}-${i}","model":"${model}","version":"v1","timestamp":"${at}","latencyMs":${i % 97},"features":{"a":${i % 13},"b":${(i * 7) % 101},"c":${i % 3},"k":"v${i % 5}"}}\n`;
      lines.push(line);
      size += Buffer.byteLength(line);
    }
    this.bytes = Buffer.from(lines.join(''));
    this.records = lines.length;
    this.#offsets = offsets;
  }

  /** The id prefix of request `seq` of client `client`. */
  static prefix(client: number, seq: number): string {
    return `c${String(client).padStart(3, '0')}r${String(seq).padStart(6, '0')}`;
  }

  /** The bytes of `[start, end)` of the body with `prefix`, in `out` (at least `end - start` long). */
  write(prefix: string, start: number, end: number, out: Buffer): Buffer {
    this.bytes.copy(out, 0, start, end);
    // Patch the prefixes that fall in this piece (the offsets are sorted).
    let lo = 0;
    let hi = this.#offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#offsets[mid]! + PREFIX <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.#offsets.length && this.#offsets[i]! < end; i++) {
      const o = this.#offsets[i]!;
      for (let k = 0; k < PREFIX; k++) {
        const at = o + k;
        if (at >= start && at < end) out[at - start] = prefix.charCodeAt(k);
      }
    }
    return out.subarray(0, end - start);
  }
}

/** The outcome of one POST. */
export interface Answer {
  status: number;
  /** Milliseconds from the request's start to its answer's headers (or to the error). */
  ms: number;
  retryAfter?: number;
  error?: string;
  /** The start of the answer's body, for a status other than 200 and 503. */
  body?: string;
}

/**
 * POSTs the body of `template` with `prefix` to `url` in 256 KiB pieces (Content-Length set),
 * stopping as soon as an answer arrives (a 503 before the body was read). Never rejects.
 */
export function postBody(url: string, template: BodyTemplate, prefix: string, agent: Agent, timeoutMs = 120_000): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolveAnswer) => {
    let done = false;
    const finish = (a: Omit<Answer, 'ms'>) => {
      if (done) return;
      done = true;
      resolveAnswer({ ...a, ms: performance.now() - started });
    };
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-ndjson', 'content-length': template.bytes.length }, timeout: timeoutMs });
    const scratch = Buffer.allocUnsafe(256 * 1024);
    let offset = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const retryAfter = res.headers['retry-after'] === undefined ? undefined : Number(res.headers['retry-after']);
      // The body of an answer other than 200 and 503 is kept (its start), to say what went wrong.
      const unexpected = res.statusCode !== 200 && res.statusCode !== 503;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (unexpected && body.length < 600) body += chunk;
      });
      res.on('end', () => {
        finish({ status: res.statusCode ?? 0, ...(retryAfter === undefined ? {} : { retryAfter }), ...(unexpected ? { body: body.slice(0, 600) } : {}) });
        // A body cut short by an early answer leaves the connection unusable.
        if (offset < template.bytes.length) req.destroy();
      });
      res.on('error', (err) => finish({ status: 0, error: err.message }));
    });
    req.on('error', (err) => finish({ status: 0, error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    const pump = () => {
      while (!answered && offset < template.bytes.length) {
        const end = Math.min(offset + scratch.length, template.bytes.length);
        // Each piece is its own buffer: the socket may keep it queued.
        const piece = Buffer.from(template.write(prefix, offset, end, scratch));
        offset = end;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      if (!answered || offset >= template.bytes.length) req.end();
    };
    pump();
  });
}

/** The peak resident set (VmHWM) and the current one (VmRSS) of a process, in MiB. */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

/** Per request prefix, the rows stored and the distinct ids among them, read with chDB from a stopped collector's data directory. */
export async function storedByRequest(dataDir: string, model = 'chaos'): Promise<Map<string, { rows: number; ids: number }>> {
  const { createClient } = await import('@clickhouse/client');
  const { createChdbConnection } = await import('chdb/connection');
  const client = createClient({ connection: createChdbConnection({ path: dataDir }) } as never);
  try {
    const rs = await client.query({
      query: `SELECT substring(PredictionId, 1, ${PREFIX}) AS req, count() AS rows, uniqExact(PredictionId) AS ids
              FROM predictions WHERE ModelName = {model:String} GROUP BY req`,
      query_params: { model },
      format: 'JSONEachRow',
    });
    const out = new Map<string, { rows: number; ids: number }>();
    for (const r of (await rs.json()) as Array<{ req: string; rows: string | number; ids: string | number }>) out.set(r.req, { rows: Number(r.rows), ids: Number(r.ids) });
    return out;
  } finally {
    await client.close();
  }
}

/** Percentile `p` (0–100) of `values` (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Resolves after `ms`: pauses of a simulated client (its retry delay), never a test's synchronisation. */
export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rounds to `digits` decimals. */
export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A scenario's time limit: its full size takes minutes; the bounded form stays well inside CI's. */
export const SCENARIO_TIMEOUT_MS = FULL ? 30 * 60_000 : 4 * 60_000;

/** The directory of the test package, whose `node_modules` a child process resolves chDB from. */
const TEST_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

const QUERY_SCRIPT = `
const { createClient } = await import('@clickhouse/client');
const { createChdbConnection } = await import('chdb/connection');
const client = createClient({ connection: createChdbConnection({ path: process.argv[1] }) });
try {
  const rs = await client.query({ query: process.argv[2], format: 'JSONEachRow' });
  process.stdout.write(JSON.stringify(await rs.json()));
} finally {
  await client.close();
}`;

/**
 * The rows of `sql` over a stopped collector's data directory, read by chDB in a child process of
 * its own (chDB binds one data directory per process, so a test can read several this way).
 */
export async function queryDataDir<T>(dataDir: string, sql: string): Promise<T[]> {
  const { execFile } = await import('node:child_process');
  const stdout = await new Promise<string>((res, rej) =>
    execFile(process.execPath, ['--input-type=module', '-e', QUERY_SCRIPT, dataDir, sql], { cwd: TEST_DIR, maxBuffer: 256 * 1024 * 1024 }, (err, out, errOut) =>
      err ? rej(new Error(`chDB query over ${dataDir} failed: ${errOut || err.message}`)) : res(out),
    ),
  );
  return JSON.parse(stdout) as T[];
}
