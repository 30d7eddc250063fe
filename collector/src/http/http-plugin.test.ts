import { DEFAULT_CONFIG } from '../config.js';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import protobuf from 'protobufjs/minimal.js';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RECORD_LIMITS } from '@inferlens/semconv';
import { CollectorError } from '../errors.js';
import { otlpErrorFormat } from '../ingest/otlp-response.js';
import { otlpPlugin } from '../ingest/otlp-plugin.js';
import { jobsPlugin } from '../jobs/jobs-plugin.js';
import { ERROR_CODES, type ErrorCode, type ErrorCodeSpec } from './error-codes.js';
import { httpPlugin } from './http-plugin.js';

// The root error handler on a bare Fastify instance: every registry code answers its status and
// Retry-After, Fastify's own errors get our codes, anything else is a 500 INTERNAL that keeps its
// message in the log, and a route's error format changes the body only.

/** An error of any registry code (the classes bind one code each; this one takes it as given). */
class AnyCodeError extends CollectorError {}

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A bare instance with the HTTP layer, test routes, and its log lines collected. */
async function makeApp(): Promise<{ app: FastifyInstance; logs: Array<Record<string, unknown>> }> {
  const logs: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const a = Fastify({ logger: { level: 'info', stream }, bodyLimit: 100 });
  await a.register(httpPlugin);
  a.get<{ Params: { code: ErrorCode } }>('/throw/:code', async (request) => {
    throw new AnyCodeError(request.params.code, `thrown with ${request.params.code}`);
  });
  a.get('/unexpected', async () => {
    throw new Error('connection string postgres://admin:secret@db');
  });
  a.get('/foreign-416', async () => {
    // What @fastify/static hands over for a Range outside the file (an http-errors error).
    throw Object.assign(new Error('Range Not Satisfiable'), { status: 416, statusCode: 416, expose: true, headers: { 'Content-Range': 'bytes */10' } });
  });
  a.withTypeProvider<TypeBoxTypeProvider>().get('/typed', { schema: { querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 10 }) }) } }, async () => ({}));
  a.post('/echo', async (request) => request.body);
  a.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  a.post('/otlp/:code', { config: { errorFormat: otlpErrorFormat } }, async (request) => {
    throw new AnyCodeError((request.params as { code: ErrorCode }).code, 'otlp refusal');
  });
  await a.ready();
  app = a;
  return { app: a, logs };
}

describe('the root error handler', () => {
  it('answers every registry code with its status, `{ error, message }`, and Retry-After exactly for 429 and 503', async () => {
    const { app } = await makeApp();
    for (const code of CODES) {
      const spec: ErrorCodeSpec = ERROR_CODES[code];
      const r = await app.inject({ method: 'GET', url: `/throw/${code}` });
      expect(r.statusCode, code).toBe(spec.status);
      expect(r.headers['content-type'], code).toMatch(/^application\/json/);
      expect(r.json(), code).toEqual({ error: code, message: `thrown with ${code}` });
      if (spec.status === 429 || spec.status === 503) expect(r.headers['retry-after'], code).toBe(String(spec.retryAfterSeconds));
      else expect(r.headers['retry-after'], code).toBeUndefined();
    }
  });

  it('answers an unexpected error 500 INTERNAL without its message, and logs it whole', async () => {
    const { app, logs } = await makeApp();
    const r = await app.inject({ method: 'GET', url: '/unexpected' });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ error: 'INTERNAL', message: 'internal error; see the collector log' });
    expect(r.body).not.toContain('secret');
    expect(r.headers['retry-after']).toBeUndefined();
    const line = logs.find((l) => l.msg === 'request failed');
    expect(line).toMatchObject({ level: 50, route: '/unexpected', err: { message: 'connection string postgres://admin:secret@db' } });
  });

  it("maps Fastify's own errors to the registry: unknown route, validation, body limit, media type, bad JSON", async () => {
    const { app } = await makeApp();
    const notFound = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toEqual({ error: 'NOT_FOUND', message: 'Route GET:/nowhere not found' });

    const invalid = await app.inject({ method: 'GET', url: '/typed?limit=11' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toEqual({ error: 'REQUEST_INVALID', message: 'query parameter limit: expected an integer from 1 to 10, got "11"' });
    const infinite = await app.inject({ method: 'GET', url: '/typed?limit=Infinity' });
    expect(infinite.statusCode).toBe(400);
    expect(infinite.json()).toEqual({ error: 'REQUEST_INVALID', message: 'query parameter limit: expected an integer from 1 to 10, got "Infinity"' });

    const big = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ x: 'y'.repeat(200) }) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ error: 'INGEST_BODY_TOO_LARGE', message: 'POST /echo: the body is larger than limits.maxBodyBytes; send smaller requests' });

    const type = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/xml' }, payload: '<a/>' });
    expect(type.statusCode).toBe(415);
    expect(type.json()).toMatchObject({ error: 'INGEST_UNSUPPORTED_MEDIA_TYPE' });

    const badJson = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{bad' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toEqual({ error: 'REQUEST_INVALID', message: "Body is not valid JSON but content-type is set to 'application/json'" });
  });

  it("keeps a plugin's client error status and headers (a 416's Content-Range) under the registry's code", async () => {
    const { app } = await makeApp();
    const r = await app.inject({ method: 'GET', url: '/foreign-416' });
    expect(r.statusCode).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */10');
    expect(r.json()).toEqual({ error: 'RANGE_NOT_SATISFIABLE', message: 'Range Not Satisfiable' });
  });

  it("writes a route's errors in its own format (OTLP: google.rpc.Status in the request's encoding), with the same status and Retry-After", async () => {
    const { app } = await makeApp();
    const json = await app.inject({ method: 'POST', url: '/otlp/STORE_FAILED', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(json.statusCode).toBe(503);
    expect(json.headers['retry-after']).toBe('2');
    expect(json.json()).toEqual({ code: 14, message: 'otlp refusal', details: [] });

    const proto = await app.inject({ method: 'POST', url: '/otlp/REQUEST_INVALID', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.alloc(0) });
    expect(proto.statusCode).toBe(400);
    expect(proto.headers['content-type']).toBe('application/x-protobuf');
    expect(proto.headers['retry-after']).toBeUndefined();
    const r = protobuf.Reader.create(proto.rawPayload);
    const status = { code: 0, message: '' };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) status.code = r.int32();
      else if (tag >>> 3 === 2) status.message = r.string();
      else r.skipType(tag & 7);
    }
    expect(status).toEqual({ code: 3, message: 'otlp refusal' });
  });
});

describe('plugin dependencies', () => {
  it('refuses to start a receiver without the HTTP layer, whose handler writes its errors', async () => {
    const a = Fastify({ logger: false });
    a.decorate('batchers', {} as never);
    a.decorate('metrics', {} as never);
    a.decorate('admission', {} as never);
    const limits = { ...DEFAULT_CONFIG.limits, maxBodyBytes: 1 << 20, maxDecompressedBytes: 4 << 20, maxRecordsPerRequest: 10, maxEventAgeSeconds: 86_400, maxEventAheadSeconds: 3600 };
    await expect(a.register(otlpPlugin, { limits, recordLimits: DEFAULT_RECORD_LIMITS, maxPendingRows: 10 })).rejects.toThrow(/inferlens-http/);
    await a.close();
  });

  it('refuses to start the jobs without the store and alerting they decorate the root with', async () => {
    const a = Fastify({ logger: false });
    await expect(a.register(jobsPlugin, {} as never)).rejects.toThrow(/inferlens-store|inferlens-alerting|store|alerts/);
    await a.close();
  });
});
