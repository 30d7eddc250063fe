import { gzipSync } from 'node:zlib';
import { trace, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { rng } from '../helpers/random.js';
import { FULL, report, SCENARIO_TIMEOUT_MS } from './lib.js';

// Fuzz: mutated bodies across every ingestion endpoint and encoding, then hostile read-API
// parameters, against a collector child process. Every body carries its number in every record
// (`fz<n>` in prediction and feedback ids, span names, log bodies); once the collector stopped,
// its data directory is read with chDB: no record of a refused body is stored. Seeded: a failure
// reproduces. 0 crashes (the process answers and exits 0 on SIGTERM), 0 answers 5xx.

const BODIES = FULL ? 10_000 : 800;
const READS = FULL ? 3000 : 300;
const SEED = Number(process.env.CHAOS_SEED ?? 14);

const dataDir = tempDataDir('inferlens-chaos-fuzz-');
let collector: CollectorProcess | undefined;

afterAll(async () => {
  await collector?.stop();
  removeDir(dataDir);
});

// Each body draws from its own generator, seeded by the run's seed and its number, so that body n
// is the same whatever order the concurrent senders take them in (CHAOS_SEED and n reproduce it).
let r = rng(SEED);
const int = (n: number) => Math.floor(r.uniform() * n);
const choose = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

const WEIRD_VALUES: unknown[] = [null, true, -1, 0, 1e308, -1e308, 2 ** 63, '', 'x', [], {}, [1, 'a'], { a: { b: 1 } }, '\u0000', '\ud800', '😀'.repeat(50), 'NaN', 'Infinity'];
const EXTREME_TIMES: unknown[] = [-1, 0, 1e30, '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2262-04-12T00:00:00Z', 'yesterday', 253402300800000, -62135596800000, '18446744073709551615', 1.5];
const CONTENT_TYPES = ['application/x-ndjson', 'application/json', 'application/x-protobuf', 'text/plain', 'application/jsonl', 'image/png', '', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/x-ndjson;;;'];
const ENCODINGS = ['gzip', 'br', 'deflate', 'GZIP', 'gzip, gzip', 'identity', 'x'];

/**
 * The marker of body `n` in its records: its number and a check, so that a bit flip in the number
 * of an accepted body's marker (stored as it arrived) is not taken for another body's record.
 */
const marker = (n: number) => `fz${n}k${(n * 7919) % 100_003}`;

/** The body number of a stored marker, or undefined when its check does not hold. */
function bodyOf(m: string): number | undefined {
  const x = /^fz(\d+)k(\d+)[pfsl]/.exec(m);
  if (!x) return undefined;
  const n = Number(x[1]);
  return marker(n) === `fz${x[1]}k${x[2]}` ? n : undefined;
}

/** A body's records as plain values, by endpoint, carrying its {@link marker}. */
function seed(endpoint: string, n: number): unknown {
  const at = new Date(Date.now() - 60_000).toISOString();
  const count = 1 + int(4);
  if (endpoint === '/v1/predictions') return Array.from({ length: count }, (_, i) => ({ predictionId: `${marker(n)}p${i}`, model: 'fuzz', version: 'v1', timestamp: at, latencyMs: 3, features: { a: i, b: 'x' }, outputs: { score: 0.5 } }));
  if (endpoint === '/v1/feedback') return Array.from({ length: count }, (_, i) => ({ predictionId: `${marker(n)}f${i}`, label: 'yes', timestamp: at }));
  const ns = String(BigInt(Date.now() - 60_000) * 1_000_000n);
  if (endpoint === '/v1/traces') {
    const spans = Array.from({ length: count }, (_, i) => ({ traceId: '5b8efff798038103d269b633813fc60c', spanId: `eee19b7ec3c1b1${String(i).padStart(2, '0')}`, name: `${marker(n)}s${i}`, kind: 1, startTimeUnixNano: ns, endTimeUnixNano: ns }));
    return { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] }, scopeSpans: [{ scope: { name: 'fuzz' }, spans }] }] };
  }
  const logRecords = Array.from({ length: count }, (_, i) => ({ timeUnixNano: ns, severityText: 'INFO', body: { stringValue: `${marker(n)}l${i}` } }));
  return { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ scope: { name: 'fuzz' }, logRecords }] }] };
}

/** The spans of `seed` as an OTLP protobuf request from the official serializer. */
function protobufSpans(n: number): Buffer {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'fuzz' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: '5b8efff798038103d269b633813fc60d', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const t = Date.now() - 60_000;
  for (let i = 0; i < 1 + int(3); i++) provider.getTracer('fuzz').startSpan(`${marker(n)}s${i}`, { startTime: t }, parent).end(t + 1);
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!);
}

/** Sets a random leaf (or the whole of a random record) of `value` to `v`. */
function setRandomly(value: unknown, v: unknown): unknown {
  if (Array.isArray(value) && value.length > 0) {
    const i = int(value.length);
    value[i] = int(3) === 0 ? v : setRandomly(value[i], v);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return v;
    const k = choose(keys);
    (value as Record<string, unknown>)[k] = int(3) === 0 ? v : setRandomly((value as Record<string, unknown>)[k], v);
    return value;
  }
  return v;
}

const serialize = (endpoint: string, v: unknown, ndjson: boolean): Buffer =>
  Buffer.from(ndjson && Array.isArray(v) ? v.map((x) => JSON.stringify(x)).join('\n') : JSON.stringify(v));

const GZIP_BOMB = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });

interface Case {
  endpoint: string;
  mutation: string;
  body: Buffer;
  headers: Record<string, string>;
}

/** One mutated body for body `n`. */
function mutate(n: number): Case {
  r = rng(SEED * 1_000_003 + n);
  const endpoint = choose(['/v1/predictions', '/v1/feedback', '/v1/traces', '/v1/logs']);
  const otlp = endpoint === '/v1/traces' || endpoint === '/v1/logs';
  const proto = endpoint === '/v1/traces' && int(2) === 0;
  const ndjson = !otlp && int(2) === 0;
  const contentType = proto ? 'application/x-protobuf' : ndjson ? 'application/x-ndjson' : 'application/json';
  const value = seed(endpoint, n);
  let body = proto ? protobufSpans(n) : serialize(endpoint, value, ndjson);
  const headers: Record<string, string> = { 'content-type': contentType };
  const mutation = choose(['bitflip', 'truncate', 'wrong type', 'huge string', 'deep nesting', 'huge array', 'invalid utf-8', 'NaN', 'extreme time', 'content type', 'encoding', 'gzip bomb', 'gzip', 'none']);
  switch (mutation) {
    case 'bitflip':
      body = Buffer.from(body);
      for (let k = 0; k < 1 + int(8); k++) body[int(body.length)] ^= 1 << int(8);
      break;
    case 'truncate':
      body = body.subarray(0, int(body.length));
      break;
    case 'wrong type':
      if (!proto) body = serialize(endpoint, setRandomly(value, choose(WEIRD_VALUES)), ndjson);
      break;
    case 'huge string':
      if (!proto) body = serialize(endpoint, setRandomly(value, 'h'.repeat(1 + int(2_000_000))), ndjson);
      break;
    case 'deep nesting': {
      const depth = 1000 + int(100_000);
      body = Buffer.concat([Buffer.from('['.repeat(depth)), body, Buffer.from(']'.repeat(depth))]);
      break;
    }
    case 'huge array':
      if (!proto) body = serialize(endpoint, setRandomly(value, Array.from({ length: 50_000 + int(150_000) }, (_, i) => i)), ndjson);
      break;
    case 'invalid utf-8': {
      const bad = choose([Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])]);
      const at = int(body.length);
      body = Buffer.concat([body.subarray(0, at), bad, body.subarray(at)]);
      break;
    }
    case 'NaN':
      body = Buffer.from(body.toString('latin1').replace(/(?<=[:\[,])\d+(\.\d+)?/, choose(['NaN', 'Infinity', '-Infinity', '1e999', '0x10', '01'])), 'latin1');
      break;
    case 'extreme time':
      if (!proto) body = serialize(endpoint, JSON.parse(JSON.stringify(value).replace(/"(timestamp|startTimeUnixNano|endTimeUnixNano|timeUnixNano)":("[^"]*"|\d+)/g, (_m, k) => `"${k}":${JSON.stringify(choose(EXTREME_TIMES))}`)), ndjson);
      break;
    case 'content type':
      headers['content-type'] = choose(CONTENT_TYPES);
      break;
    case 'encoding':
      headers['content-encoding'] = choose(ENCODINGS);
      break;
    case 'gzip bomb':
      body = GZIP_BOMB;
      headers['content-encoding'] = 'gzip';
      break;
    case 'gzip':
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
      break;
  }
  return { endpoint, mutation, body, headers };
}

const SQL = ["' OR 1=1 --", "'); DROP TABLE predictions; --", '1; SELECT * FROM system.users', '{x:String}', '`predictions`', '\\', '%00', '%', '_'];
const PARAM_VALUES = [...SQL, '-1', '0', '1e400', '999999999999999999999', 'NaN', 'Infinity', '1.5', '', ' ', 'é', '😀', '\u202e', 'a'.repeat(10_000), '2262-04-12T00:00:00Z', '0000-01-01', 'null', '[]', '{}'];
const READ_PATHS = ['/api/v1/predictions', '/api/v1/logs', '/api/v1/models', '/api/v1/projects', '/api/v1/timeseries', '/api/v1/drift', '/api/v1/data-quality', '/api/v1/sla', '/api/v1/quality', '/api/v1/compare', '/api/v1/activity', '/api/v1/distributions', '/api/v1/segments', '/api/v1/feedback', '/api/v1/references', '/api/v1/jobs', '/api/v1/alerts', '/api/v1/alerts/history'];
const PARAMS = ['project', 'model', 'version', 'from', 'to', 'limit', 'offset', 'feature', 'a', 'b', 'slo', 'metric', 'step', 'predictionId', 'traceId', 'environment', 'rule', 'status', 'segment'];

function readUrl(): string {
  if (int(6) === 0) return `/api/v1/traces/${encodeURIComponent(choose(PARAM_VALUES))}${int(2) ? '/predictions' : ''}`;
  const q = new URLSearchParams();
  for (let k = 0; k < 1 + int(4); k++) q.append(choose(PARAMS), choose(PARAM_VALUES));
  return `${choose(READ_PATHS)}?${q.toString()}`;
}

describe('chaos: fuzz', () => {
  it(`${BODIES} mutated bodies and ${READS} hostile reads: no crash, no 5xx, nothing of a refused body stored`, async () => {
    collector = await startCollector({ dataDir });
    const statuses: Record<string, number> = {};
    const byMutation: Record<string, Record<string, number>> = {};
    const refused = new Set<number>();
    const fiveHundreds: string[] = [];
    const started = performance.now();
    // A few requests at a time, as several clients would send them.
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < BODIES) {
          const n = next++;
          const c = mutate(n);
          const res = await fetch(collector!.url + c.endpoint, { method: 'POST', body: c.body, headers: c.headers }).catch((err: Error) => ({ status: 0, text: async () => err.message }));
          const text = await res.text();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          (byMutation[c.mutation] ??= {})[res.status] = (byMutation[c.mutation]![res.status] ?? 0) + 1;
          if (res.status !== 200) refused.add(n);
          if (res.status >= 500 || res.status === 0) fiveHundreds.push(`#${n} ${c.endpoint} ${c.mutation} ${JSON.stringify(c.headers)}: ${res.status} ${text.slice(0, 300)}`);
        }
      }),
    );
    const readStatuses: Record<string, number> = {};
    for (let i = 0; i < READS; i++) {
      const url = readUrl();
      const res = await fetch(collector.url + url).catch((err: Error) => ({ status: 0, text: async () => err.message }));
      const text = await res.text();
      readStatuses[res.status] = (readStatuses[res.status] ?? 0) + 1;
      if (res.status >= 500 || res.status === 0) fiveHundreds.push(`GET ${url.slice(0, 200)}: ${res.status} ${text.slice(0, 300)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    expect(await collector.stop()).toBe(0);
    collector = undefined;

    const { createClient } = await import('@clickhouse/client');
    const { createChdbConnection } = await import('chdb/connection');
    const client = createClient({ connection: createChdbConnection({ path: dataDir }) } as never);
    const markers = async (sql: string) => {
      const rs = await client.query({ query: sql, format: 'JSONEachRow' });
      return ((await rs.json()) as Array<{ m: string }>).map((x) => x.m);
    };
    const stored = new Set<number>();
    try {
      for (const sql of [
        `SELECT DISTINCT extract(PredictionId, '^fz\\\\d+k\\\\d+[pf]') AS m FROM predictions`,
        `SELECT DISTINCT extract(PredictionId, '^fz\\\\d+k\\\\d+[pf]') AS m FROM feedback`,
        `SELECT DISTINCT extract(SpanName, '^fz\\\\d+k\\\\d+s') AS m FROM otel_traces`,
        `SELECT DISTINCT extract(Body, '^fz\\\\d+k\\\\d+l') AS m FROM otel_logs`,
      ]) {
        for (const m of await markers(sql)) {
          const n = bodyOf(m);
          if (n !== undefined) stored.add(n);
        }
      }
    } finally {
      await client.close();
    }
    const storedFromRefused = [...refused].filter((n) => stored.has(n));
    report('fuzz', { seed: SEED, bodies: BODIES, reads: READS, seconds: Math.round(seconds), statuses, readStatuses, byMutation, crashes: 0, fiveHundreds: fiveHundreds.length, refusedBodies: refused.size, storedFromRefused: storedFromRefused.length, bodiesWithRowsStored: stored.size });
    expect(fiveHundreds).toEqual([]);
    expect(storedFromRefused).toEqual([]);
    // The unmutated and the harmlessly mutated bodies were stored: the check above looks at real rows.
    expect(stored.size).toBeGreaterThan(BODIES / 20);
  }, SCENARIO_TIMEOUT_MS);
});
