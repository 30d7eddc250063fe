// The example service (examples/fastify-service) as a child process against a collector child
// process: trace linking through a W3C traceparent, feedback joined by prediction id, and a
// collector outage under load with exact accounting of every record.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { onLines, removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

type AnyJson = Record<string, any>;

const SERVICE = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../examples/fastify-service/dist/server.js');

interface Counts {
  exported: number;
  dropped: number;
  failed: number;
  queued: number;
  sampledOut: number;
  feedback: { exported: number; dropped: number; failed: number; queued: number };
}

interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output: string[];
  /** SIGTERM; resolves with the exit code and the final `stats()` the service printed. */
  stop(): Promise<{ code: number | null; stats: Counts | undefined }>;
}

/** Starts the example service on a free port and waits for its `listening` line. */
async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [SERVICE], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      return { code, stats: lines.find((l) => l.msg === 'stopped')?.stats as Counts | undefined };
    },
  };
}

/** Polls `read` until `accept` says yes, or fails after the deadline. */
async function poll<T>(what: string, read: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (accept(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: no match within ${timeoutMs} ms, last: ${JSON.stringify(v)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function getJson(url: string): Promise<{ status: number; body: AnyJson }> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as AnyJson };
}

function traceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

function transaction(i: number): AnyJson {
  return { amount: 10 + (i % 1000), country: i % 7 === 0 ? 'XX' : 'FR', channel: ['web', 'ios', 'android', 'pos'][i % 4], hoursSinceLast: (i % 50) / 10, email: `user${i}@example.com` };
}

async function predict(url: string, i: number, tp = traceparent()): Promise<{ status: number; body: AnyJson; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: tp.header },
    body: JSON.stringify(transaction(i)),
  });
  const body = (await r.json()) as AnyJson;
  return { status: r.status, body, ms: performance.now() - t0 };
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN;
}

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('examples/fastify-service against a real collector', () => {
  it('continues the caller\'s trace into the prediction span, links the record by trace id, and joins feedback by prediction id', async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    const collector = await startCollector({ dataDir });
    cleanup.push(() => collector.stop());
    const service = await startService({ INFERLENS_ENDPOINT: collector.url });
    cleanup.push(() => service.stop());

    // Concurrent requests, each with its own traceparent: each prediction must land in its own trace.
    const calls = Array.from({ length: 8 }, (_, i) => ({ i, tp: traceparent() }));
    const answers = await Promise.all(calls.map(({ i, tp }) => predict(service.url, i, tp)));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.predictionId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(answers.map((a) => a.body.predictionId)).size).toBe(8);

    // Ground truth for two of them, as a chargeback system would send later.
    const labelled = [answers[0].body.predictionId as string, answers[3].body.predictionId as string];
    for (const [k, predictionId] of labelled.entries()) {
      const r = await fetch(`${service.url}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ predictionId, label: k === 0 ? 'fraud' : 'legit' }),
      });
      expect(r.status).toBe(202);
    }
    const bad = await fetch(`${service.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ predictionId: 'x', label: 'maybe' }) });
    expect(bad.status).toBe(400);

    // SIGTERM: the service flushes records, feedback and spans within its shutdown deadline.
    const { code, stats } = await service.stop();
    expect(code).toBe(0);
    expect(stats).toMatchObject({ exported: 8, dropped: 0, failed: 0, queued: 0, feedback: { exported: 2, dropped: 0, failed: 0, queued: 0 } });

    for (const [n, { tp }] of calls.entries()) {
      const predictionId = answers[n].body.predictionId as string;
      const { body } = await poll(
        `prediction ${predictionId}`,
        () => getJson(`${collector.url}/api/v1/predictions?project=examples&predictionId=${predictionId}`),
        (r) => r.body.predictions?.length === 1,
      );
      const p = body.predictions[0];
      expect(p).toMatchObject({ predictionId, traceId: tp.traceId, service: 'fraud-service', model: 'fraud', version: 'v3', status: 'ok' });
      expect(p.numericOutputs.score).toBeCloseTo(answers[n].body.score, 12);
      // The e-mail left the process hashed, never in clear.
      expect(p.categoricalFeatures.email).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.stringify(p)).not.toContain('@example.com');

      const trace = await poll(`trace ${tp.traceId}`, () => getJson(`${collector.url}/api/v1/traces/${tp.traceId}`), (r) => r.status === 200);
      const spans = trace.body.spans as AnyJson[];
      expect(spans).toHaveLength(1);
      expect(spans[0]).toMatchObject({ traceId: tp.traceId, spanId: p.spanId, parentSpanId: tp.spanId, name: 'predict fraud', serviceName: 'fraud-service' });
      expect(spans[0].attributes['inferlens.prediction.id']).toBe(predictionId);
    }

    // No read endpoint for feedback: read the stored tables once the collector has let go of them.
    expect(await collector.stop()).toBe(0);
    const rows = await queryStore(dataDir, `SELECT f.PredictionId AS id, f.Label AS label, p.TraceId AS traceId FROM feedback AS f
        INNER JOIN predictions AS p ON p.PredictionId = f.PredictionId AND p.Project = f.Project
        WHERE f.Project = 'examples' ORDER BY f.Label`);
    expect(rows).toEqual([
      { id: labelled[0], label: 'fraud', traceId: calls[0].tp.traceId },
      { id: labelled[1], label: 'legit', traceId: calls[3].tp.traceId },
    ]);
  });

  it('in the plain OpenTelemetry set-up (INFERLENS_SDK=otel, the benchmark floor) exports one span per call and no prediction record', async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    const collector = await startCollector({ dataDir });
    cleanup.push(() => collector.stop());
    const service = await startService({ INFERLENS_ENDPOINT: collector.url, INFERLENS_SDK: 'otel' });
    cleanup.push(() => service.stop());

    const tp = traceparent();
    const answer = await predict(service.url, 1, tp);
    expect(answer.status).toBe(200);
    expect(answer.body.predictionId).toBe('');
    const feedback = await fetch(`${service.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ predictionId: 'x', label: 'fraud' }) });
    expect(feedback.status).toBe(501);
    // SIGTERM shuts the tracer provider down, which exports the span.
    expect((await service.stop()).code).toBe(0);

    const trace = await poll(`trace ${tp.traceId}`, () => getJson(`${collector.url}/api/v1/traces/${tp.traceId}`), (r) => r.status === 200);
    const spans = trace.body.spans as AnyJson[];
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ traceId: tp.traceId, parentSpanId: tp.spanId, name: 'predict fraud', serviceName: 'fraud-service' });
    expect(spans[0].attributes).toMatchObject({ 'inferlens.model.name': 'fraud', 'fraud.flagged': String(answer.body.fraud) });
    expect(Number(spans[0].attributes['fraud.score'])).toBeCloseTo(answer.body.score, 12);
    const stored = await getJson(`${collector.url}/api/v1/predictions?project=examples&limit=10`);
    expect(stored.body.predictions).toEqual([]);
  });

  it('keeps serving through a collector outage, delivers what the bounded queue held, counts the rest as dropped, and the counts add up exactly', async () => {
    const MAX_QUEUE = 200;
    const BATCH = 50;
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    let collector = await startCollector({ dataDir });
    cleanup.push(() => collector.stop());
    const port = collector.port;
    const service = await startService({
      INFERLENS_ENDPOINT: collector.url,
      INFERLENS_MAX_QUEUE_SIZE: String(MAX_QUEUE),
      INFERLENS_MAX_EXPORT_BATCH_SIZE: String(BATCH),
      INFERLENS_SCHEDULED_DELAY_MILLIS: '100',
      // Retry for as long as the export deadline (30 s) allows, every 100-200 ms: the outage
      // below is far shorter, so no batch should fail, and only the queue bound drops records.
      INFERLENS_MAX_ATTEMPTS: '1000',
      INFERLENS_MAX_BACKOFF_MILLIS: '200',
    });
    cleanup.push(() => service.stop());
    const stats = async () => (await getJson(`${service.url}/stats`)).body as Counts;

    // Load: 2 paced workers (about 300 requests/s), each response recorded with its phase.
    let phase: 'before' | 'outage' | 'after' = 'before';
    const results: { phase: typeof phase; status: number; ms: number }[] = [];
    let running = true;
    let n = 0;
    const worker = async () => {
      while (running) {
        const p = phase;
        const r = await predict(service.url, n++).catch(() => ({ status: 0, ms: NaN, body: {} }));
        results.push({ phase: p, status: r.status, ms: r.ms });
        await new Promise((res) => setTimeout(res, 5)); // pacing, not synchronisation
      }
    };
    const load = Promise.all([worker(), worker()]);
    cleanup.push(async () => {
      running = false;
      await load;
    });

    // Normal operation: records flow to the collector.
    await poll('first exports', stats, (s) => s.exported >= 2 * BATCH, 10_000);

    // Outage: the collector goes away while the load continues.
    phase = 'outage';
    expect(await collector.stop('SIGTERM')).toBe(0);
    const full = await poll('queue bound reached', stats, (s) => s.dropped > 0, 10_000);
    expect(full.queued).toBeGreaterThanOrEqual(MAX_QUEUE);
    expect(full.queued).toBeLessThanOrEqual(MAX_QUEUE + BATCH);
    const droppedBeforeRestart = full.dropped;

    // Back on the same data directory and port.
    collector = await startCollector({ dataDir, args: ['--port', String(port)] });
    expect(collector.port).toBe(port);
    const atRestart = await stats();
    phase = 'after';
    await poll('exports resume', stats, (s) => s.exported >= atRestart.exported + atRestart.queued, 10_000);
    running = false;
    await load;
    const final = await poll('queue drained', stats, (s) => s.queued === 0, 10_000);

    // The service never noticed.
    const produced = results.filter((r) => r.status === 200).length;
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    const before = results.filter((r) => r.phase === 'before').map((r) => r.ms);
    const outage = results.filter((r) => r.phase === 'outage').map((r) => r.ms);
    expect(outage.length).toBeGreaterThan(100);
    console.log(`requests: ${produced}; p99 before ${p99(before).toFixed(1)} ms, during the outage ${p99(outage).toFixed(1)} ms; final ${JSON.stringify(final)}`);
    expect(p99(outage)).toBeLessThan(Math.max(5 * p99(before), p99(before) + 100));

    // Exact accounting: every answered request made one record, and each is exported or dropped.
    expect(final.failed).toBe(0);
    expect(final.dropped).toBeGreaterThanOrEqual(droppedBeforeRestart);
    expect(final.exported + final.dropped + final.failed).toBe(produced);
    // What the queue held at the restart was delivered.
    expect(final.exported).toBeGreaterThanOrEqual(atRestart.exported + atRestart.queued);
    expect(atRestart.queued).toBeGreaterThanOrEqual(MAX_QUEUE);

    // The collector stored exactly the exported records, each once.
    const { body } = await getJson(`${collector.url}/api/v1/predictions?project=examples&model=fraud&limit=10000`);
    const ids = (body.predictions as AnyJson[]).map((p) => p.predictionId as string);
    expect(ids.length).toBeLessThan(10_000);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(final.exported);
  });
});

/** Runs a query on the stored tables: in-process chDB on the collector's data directory, or the test's ClickHouse server. */
async function queryStore(dataDir: string, query: string): Promise<AnyJson[]> {
  const { createClient } = await import('@clickhouse/client');
  const serverUrl = process.env.INFERLENS_TEST_CLICKHOUSE_URL;
  let client;
  if (serverUrl) client = createClient({ url: serverUrl });
  else {
    const { createChdbConnection } = await import('chdb/connection');
    client = createClient({ connection: createChdbConnection({ path: dataDir }) } as never);
  }
  try {
    const rs = await client.query({ query, format: 'JSONEachRow' });
    return (await rs.json()) as AnyJson[];
  } finally {
    await client.close();
  }
}
