import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// Hostile and odd clients against a real collector process: whatever arrives, the process stays up,
// a refused request stores nothing, and the answer says what is wrong. Loops are bounded and every
// wait is on an observable event (a response, a log line, a socket event), never on a timer.

type Json = Record<string, any>;

const MAX_PENDING_ROWS = 200;
const ENDPOINTS = ['/v1/traces', '/v1/logs', '/v1/metrics', '/v1/predictions', '/v1/feedback'] as const;

let collector: CollectorProcess;
let stopping: CollectorProcess;
const dirs: string[] = [];

beforeAll(async () => {
  const a = tempDataDir();
  const b = tempDataDir();
  dirs.push(a, b);
  [collector, stopping] = await Promise.all([
    startCollector({
      dataDir: a,
      env: {
        INFERLENS_MAX_BODY_BYTES: String(256 * 1024),
        INFERLENS_MAX_RECORDS_PER_REQUEST: '1000',
        INFERLENS_BATCH_MAX_PENDING_ROWS: String(MAX_PENDING_ROWS),
      },
    }),
    startCollector({ dataDir: b }),
  ]);
});

afterAll(async () => {
  await Promise.all([collector?.stop(), stopping?.stop()]);
  for (const d of dirs) removeDir(d);
});

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const r = await fetch(collector.url + path, { method: 'POST', body, headers });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

async function get(path: string): Promise<{ status: number; json: Json }> {
  const r = await fetch(collector.url + path);
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Json) : {} };
}

async function expectAlive(): Promise<void> {
  expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
}

async function predictionIds(query: string): Promise<string[]> {
  const r = await get(`/api/v1/predictions?limit=10000&${query}`);
  expect(r.status).toBe(200);
  return (r.json.predictions as Json[]).map((p) => p.predictionId as string).sort();
}

/** The message of an error answer, whatever its encoding (native JSON, OTLP JSON, or OTLP protobuf google.rpc.Status). */
function errorMessage(r: { headers: Headers; body: Buffer }): string {
  if (r.headers.get('content-type') === 'application/x-protobuf') return r.body.toString('latin1');
  return String((JSON.parse(r.body.toString('utf8')) as Json).message);
}

/** Deterministic pseudo-random bytes. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** A protobuf length-delimited field. */
function field(num: number, payload: Buffer): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 127) (out.push((n & 127) | 128), (n = Math.floor(n / 128)));
    out.push(n);
    return Buffer.from(out);
  };
  return Buffer.concat([varint(num * 8 + 2), varint(payload.length), payload]);
}

/** An ExportLogsServiceRequest whose one log body is an AnyValue nested `depth` arrays deep. */
function deepProtobufLogs(depth: number): Buffer {
  let v = field(1, Buffer.from('x'));
  for (let i = 0; i < depth; i++) v = field(5, field(1, v));
  return field(1, field(2, field(2, field(5, v))));
}

const str = (s: string) => ({ stringValue: s });
const kvlist = (o: Record<string, string>) => ({ kvlistValue: { values: Object.entries(o).map(([key, v]) => ({ key, value: str(v) })) } });

describe('hostile bodies', () => {
  it('answers every malformed body on every endpoint with a 4xx or a 200 that rejects it, and stays up', async () => {
    const json = { 'content-type': 'application/json' };
    const bodies: Array<[string, string | Buffer, Record<string, string>]> = [
      ['random bytes as protobuf', noise(512, 1), { 'content-type': 'application/x-protobuf' }],
      ['random bytes as JSON', noise(512, 2), json],
      ['random bytes as NDJSON', noise(512, 3), { 'content-type': 'application/x-ndjson' }],
      ['truncated JSON', '{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":', json],
      ['deeply nested arrays', '['.repeat(50_000) + ']'.repeat(50_000), json],
      ['deeply nested objects', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000), json],
      ['deeply nested OTLP AnyValue', JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: str('x') }] }] }] }).replace('{"stringValue":"x"}', '{"arrayValue":{"values":['.repeat(5_000) + '{"stringValue":"x"}' + ']}}'.repeat(5_000)), json],
      ['deeply nested protobuf AnyValue', deepProtobufLogs(20_000), { 'content-type': 'application/x-protobuf' }],
      ['deeply nested metric attribute', JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ timeUnixNano: '1', attributes: [{ key: 'k', value: str('x') }] }] } }] }] }] }).replace('{"stringValue":"x"}', '{"arrayValue":{"values":['.repeat(5_000) + '{"stringValue":"x"}' + ']}}'.repeat(5_000)), json],
      ['wrong types', '{"resourceSpans":"x","resourceLogs":5,"predictionId":7,"model":[]}', json],
      ['top-level null', 'null', json],
      ['top-level string', '"hello"', json],
      ['empty body', '', json],
      ['gzip header then garbage', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), noise(64, 4)]), { ...json, 'content-encoding': 'gzip' }],
      ['truncated gzip', gzipSync(JSON.stringify({ predictionId: 'never-1', model: 'hostile' })).subarray(0, 20), { ...json, 'content-encoding': 'gzip' }],
      ['unsupported encoding', JSON.stringify({ predictionId: 'never-2', model: 'hostile' }), { ...json, 'content-encoding': 'br' }],
      ['unsupported media type', JSON.stringify({ predictionId: 'never-3', model: 'hostile' }), { 'content-type': 'application/xml' }],
    ];
    for (const path of ENDPOINTS) {
      for (const [what, body, headers] of bodies) {
        const r = await post(path, body, headers);
        const where = `${what} to ${path}`;
        expect(r.status, where).toBeLessThan(500);
        if (r.status >= 400) {
          expect(errorMessage(r).length, where).toBeGreaterThan(10);
        } else if (path === '/v1/predictions' || path === '/v1/feedback') {
          expect((JSON.parse(r.body.toString()) as Json).accepted, where).toBe(0);
        }
      }
      await expectAlive();
    }
    expect(await predictionIds('model=hostile')).toEqual([]);
  });

  it('says what is wrong and where', async () => {
    const r = await post('/v1/traces', '{"resourceSpans":[{"scopeSpans":{}}]}', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(errorMessage(r)).toMatch(/resourceSpans\[0\]\.scopeSpans/);
    const native = await post('/v1/predictions', '{"predictionId":"x","model":"m","latencyMs":"fast"}', { 'content-type': 'application/x-ndjson' });
    expect((JSON.parse(native.body.toString()) as Json).errors[0]).toMatch(/^record 0: latencyMs: /);
  });
});

describe('odd but legitimate headers', () => {
  it('accepts media types with parameters or in upper case, and Content-Encoding: GZIP', async () => {
    const variants: Array<Record<string, string>> = [
      { 'content-type': 'application/json; charset=utf-8' },
      { 'content-type': 'APPLICATION/X-NDJSON' },
      { 'content-type': 'Application/Json ; charset="UTF-8"' },
      { 'content-type': 'application/json', 'content-encoding': 'GZIP' },
    ];
    for (const [i, headers] of variants.entries()) {
      const record = JSON.stringify([{ predictionId: `hdr-${i}`, model: 'headers' }]);
      const body = headers['content-encoding'] ? gzipSync(record) : record;
      const r = await post('/v1/predictions', body, headers);
      expect(r.status, JSON.stringify(headers)).toBe(200);
    }
    expect(await predictionIds('model=headers')).toEqual(['hdr-0', 'hdr-1', 'hdr-2', 'hdr-3']);
    const otlp = await post('/v1/logs', '{}', { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(otlp.status).toBe(200);
    expect(otlp.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('takes X-Inferlens-Project as UTF-8, stores SQL-looking names literally, and refuses duplicated or over-long values', async () => {
    const send = (id: string, headerLines: string) => rawRequest('POST', '/v1/predictions', { 'content-type': 'application/x-ndjson' }, JSON.stringify({ predictionId: id, model: 'proj' }), headerLines);

    const cafe = await send('pj-cafe', `X-Inferlens-Project: ${Buffer.from('café', 'utf8').toString('latin1')}\r\n`);
    expect(cafe.status).toBe(200);
    expect(await predictionIds(`model=proj&project=${encodeURIComponent('café')}`)).toEqual(['pj-cafe']);

    const sqlish = "x'); DROP TABLE predictions; --";
    expect((await send('pj-sql', `X-Inferlens-Project: ${sqlish}\r\n`)).status).toBe(200);
    expect(await predictionIds(`model=proj&project=${encodeURIComponent(sqlish)}`)).toEqual(['pj-sql']);

    const twice = await send('pj-twice', 'X-Inferlens-Project: a\r\nX-Inferlens-Project: b\r\n');
    expect(twice.status).toBe(400);
    expect(twice.body).toMatch(/X-Inferlens-Project is sent 2 times/);

    const long = await send('pj-long', `X-Inferlens-Project: ${'p'.repeat(300)}\r\n`);
    expect(long.status).toBe(400);
    expect(long.body).toMatch(/X-Inferlens-Project is 300 characters long/);

    const latin1 = await send('pj-latin1', 'X-Inferlens-Project: caf\xe9\r\n');
    expect(latin1.status).toBe(400);
    expect(latin1.body).toMatch(/not valid UTF-8/);

    // The OTLP receivers answer the same refusal as a google.rpc.Status.
    const otlp = await rawRequest('POST', '/v1/logs', { 'content-type': 'application/json' }, '{}', 'X-Inferlens-Project: a\r\nX-Inferlens-Project: b\r\n');
    expect(otlp.status).toBe(400);
    expect(JSON.parse(otlp.body)).toMatchObject({ code: 3, message: expect.stringMatching(/X-Inferlens-Project/) });

    for (const project of ['a, b', 'a', 'b', 'p'.repeat(128), 'p'.repeat(256), 'cafÃ©']) {
      expect(await predictionIds(`model=proj&project=${encodeURIComponent(project)}`), project).toEqual([]);
    }
    await expectAlive();
  });
});

describe('the read API with absurd query strings', () => {
  it('refuses out-of-range and malformed parameters with 400 naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['limit=-1', /^query parameter limit: expected an integer from 1 to 10000, got "-1"$/],
      ['limit=0', /^query parameter limit: expected an integer from 1 to 10000, got "0"$/],
      ['limit=1e99', /^query parameter limit: expected an integer from 1 to 10000, got "1e99"$/],
      ['limit=abc', /^query parameter limit: expected an integer from 1 to 10000, got "abc"$/],
      ['limit=Infinity', /^query parameter limit: expected an integer from 1 to 10000, got "Infinity"$/],
      ['limit=1e400', /^query parameter limit: expected an integer from 1 to 10000, got "1e400"$/],
      ['limit=1.5', /^query parameter limit: expected an integer from 1 to 10000, got "1.5"$/],
      ['from=garbage', /query parameter from: expected an ISO-8601 time or Unix milliseconds, got "garbage"/],
      ['to=1e3', /query parameter to: /],
      ['from=-1', /query parameter from: expected an ISO-8601 time or Unix milliseconds, got "-1"/],
      ['from=Wed%20Nov%2025%202026', /query parameter from: expected an ISO-8601 time/],
      ['to=2026-11-25T10:00', /query parameter to: expected an ISO-8601 time/],
      [`model=${'m'.repeat(300)}`, /^query parameter model: expected text of at most 256 characters, got "m{60}"\.\.\.$/],
      ['model=a&model=b', /^query parameter model: expected text of at most 256 characters, got "a", "b"$/],
    ];
    for (const [query, message] of cases) {
      const r = await get(`/api/v1/predictions?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.json.message, query).toMatch(message);
    }
    expect((await get('/api/v1/traces/not-a-trace-id')).status).toBe(400);
    expect((await get(`/api/v1/traces/${'Z'.repeat(32)}`)).status).toBe(400);
    expect((await get('/api/v1/logs?traceId=%27%20OR%201%3D1%20--')).status).toBe(400);
    await expectAlive();
  });

  it('binds SQL-looking and unicode values as data', async () => {
    for (const value of ["' OR 1=1 --", "x'); DROP TABLE predictions; --", '{model:String}', '😀 модель 模型', '\u0000', '%FF']) {
      const r = await get(`/api/v1/predictions?model=${encodeURIComponent(value)}&project=${encodeURIComponent(value)}`);
      expect(r.status, value).toBe(200);
      expect(r.json.predictions, value).toEqual([]);
    }
    const r = await fetch(`${collector.url}/api/v1/predictions?model=%FF%FE%ZZ`);
    expect(r.status).toBeLessThan(500);
    await expectAlive();
  });

  it('treats times beyond the Int64-nanosecond range as open bounds instead of wrapping round', async () => {
    // Midnight UTC a month ago: recent enough for the event-age bound whatever the date.
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 30 * 86_400_000);
    const r = await post('/v1/predictions', JSON.stringify({ predictionId: 'range-1', model: 'range', timestamp: day.toISOString() }), {
      'content-type': 'application/x-ndjson',
    });
    expect(r.status).toBe(200);
    for (const query of ['to=2300-01-01', 'to=99999999999999999999', `to=${'9'.repeat(400)}`, 'from=1600-01-01', 'from=0', 'to=2262-04-12']) {
      expect(await predictionIds(`model=range&${query}`), query).toEqual(['range-1']);
    }
    for (const query of ['from=2300-01-01', 'from=99999999999999999999', 'to=1600-01-01', `to=${new Date(day.getTime() - 1).toISOString()}`]) {
      expect(await predictionIds(`model=range&${query}`), query).toEqual([]);
    }
  });

  it('survives a URL larger than the server accepts', async () => {
    const r = await fetch(`${collector.url}/api/v1/predictions?model=${'x'.repeat(64 * 1024)}`);
    expect(r.status).toBe(431);
    await expectAlive();
  });
});

describe('clients that go away and clients that crowd in', () => {
  it('stores nothing of a body cut off mid-way and stays up', async () => {
    for (const path of ENDPOINTS) {
      for (const chunked of [false, true]) {
        const socket = await openSocket();
        const start = `{"predictionId":"cut-${path.slice(4)}-${chunked}","model":"cut"}\n{"predictionId":"cut-2`;
        const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n`;
        const closed = new Promise((res) => socket.once('close', res));
        socket.write(chunked ? `${head}Transfer-Encoding: chunked\r\n\r\n${start.length.toString(16)}\r\n${start}\r\n` : `${head}Content-Length: 100000\r\n\r\n${start}`);
        socket.destroy();
        await closed;
      }
    }
    await expectAlive();
    // A complete request afterwards is served and flushed; the cut-off ones left nothing behind.
    expect((await post('/v1/predictions', '{"predictionId":"after-cut","model":"cut"}', { 'content-type': 'application/x-ndjson' })).status).toBe(200);
    expect(await predictionIds('model=cut')).toEqual(['after-cut']);
  });

  it('serves many concurrent requests of every kind, storing exactly the valid records', async () => {
    const n = 120;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        switch (i % 4) {
          case 0:
            return post('/v1/predictions', JSON.stringify({ predictionId: `conc-${i}`, model: 'conc' }), { 'content-type': 'application/x-ndjson' });
          case 1:
            return post('/v1/predictions', noise(200, i), { 'content-type': 'application/x-ndjson' });
          case 2:
            return post('/v1/logs', JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 'inferlens.prediction', body: kvlist({ predictionId: `conc-${i}`, model: 'conc' }) }] }] }] }), { 'content-type': 'application/json' });
          default:
            return post('/v1/traces', noise(200, i), { 'content-type': 'application/x-protobuf' });
        }
      }),
    );
    results.forEach((r, i) => expect(r.status, `request ${i}`).toBe(i % 4 === 3 ? 400 : 200));
    const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i % 4 === 0 || i % 4 === 2).map((i) => `conc-${i}`).sort();
    expect(await predictionIds('model=conc')).toEqual(expected);
    await expectAlive();
  });
});

describe('saturation and shutdown', () => {
  it('refuses a mixed OTLP logs request whole when one of its tables is saturated, storing none of it', async () => {
    const anHourAgo = String((BigInt(Date.now()) - 3_600_000n) * 1_000_000n); // within the event-time bounds
    const records = [
      { timeUnixNano: anHourAgo, body: str('plain line of a refused request') },
      { timeUnixNano: anHourAgo, eventName: 'inferlens.feedback', body: kvlist({ predictionId: 'sat-0', label: 'yes' }) },
      ...Array.from({ length: MAX_PENDING_ROWS + 1 }, (_, i) => ({ eventName: 'inferlens.prediction', body: kvlist({ predictionId: `sat-${i}`, model: 'sat' }) })),
    ];
    const body = JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: str('saturation-svc') }] }, scopeLogs: [{ logRecords: records }] }] });
    const r = await post('/v1/logs', body, { 'content-type': 'application/json' });
    expect(r.status).toBe(503);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(r.body.toString())).toMatchObject({ code: 14, message: expect.stringMatching(/waiting for storage/) });
    // A later request to the same table is flushed, so the refused one had its chance to land.
    const probe = JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: str('saturation-probe') }] }, scopeLogs: [{ logRecords: [records[0]] }] }] });
    expect((await post('/v1/logs', probe, { 'content-type': 'application/json' })).status).toBe(200);
    expect((await get('/api/v1/logs?service=saturation-probe')).json.logs).toHaveLength(1);
    expect((await get('/api/v1/logs?service=saturation-svc')).json.logs).toEqual([]);
    expect(await predictionIds('model=sat')).toEqual([]);
  });

  it('answers a request that arrives while shutting down with 503 and Retry-After, on every route', async () => {
    const body = '{"predictionId":"shut-1","model":"shut"}';
    const socket = await openSocket(stopping.port);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const continued = new Promise<void>((res) => {
      const check = () => (received.includes('100 Continue') ? (socket.off('data', check), res()) : undefined);
      socket.on('data', check);
    });
    // The first request is in progress (its headers answered with 100 Continue) when SIGTERM arrives.
    socket.write(`POST /v1/predictions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`);
    await continued;
    const stoppingLogged = new Promise<void>((res) => {
      const onData = (d: Buffer) => (d.toString().includes('stopping: no new requests') ? (stopping.child.stdout!.off('data', onData), res()) : undefined);
      stopping.child.stdout!.on('data', onData);
    });
    const exited = stopping.stop('SIGTERM');
    await stoppingLogged;
    // The body of the first request and a pipelined second one, to a route with no error handler of its own.
    const closed = new Promise((res) => socket.once('close', res));
    socket.write(`${body}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
    await closed;
    expect(await exited).toBe(0);
    const responses = received.split(/(?=HTTP\/1\.1 )/).filter((s) => !s.startsWith('HTTP/1.1 100'));
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(responses[1]).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(responses[1]).toMatch(/shutting down/);
  });
});

function openSocket(port = collector.port): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect(port, '127.0.0.1', () => res(s));
    s.once('error', rej);
  });
}

/** Sends one request over a raw socket, with header lines written byte for byte (Latin-1), and reads the answer. */
async function rawRequest(method: string, path: string, headers: Record<string, string>, body: string, extraHeaderLines = ''): Promise<{ status: number; body: string }> {
  const socket = await openSocket();
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  const closed = new Promise((res) => socket.once('close', res));
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${head}${extraHeaderLines}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`, 'latin1'));
  socket.write(body); // not end(): the server drops a half-closed connection before answering
  await closed;
  const text = Buffer.concat(chunks).toString('utf8');
  const statusLine = text.slice(0, text.indexOf('\r\n'));
  return { status: Number(statusLine.split(' ')[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}
