import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferBodyParser } from './body-parser.js';

// The parser on a real server over real sockets: bodies arrive in many chunks, with and without
// a Content-Length, and the limits answer as Fastify's own parser does.

const LIMIT = 1024 * 1024;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { bodyLimit: LIMIT }, bufferBodyParser(LIMIT));
  app.post('/echo', async (req) => {
    const body = req.body as Buffer;
    return { isBuffer: Buffer.isBuffer(body), length: body.length, sha: createHash('sha256').update(body).digest('hex') };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/echo`;
});

afterAll(async () => {
  await app.close();
});

/** POSTs `pieces` one write each; with `length`, a Content-Length header, else chunked. */
function post(pieces: Buffer[], length?: number): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
    if (length !== undefined) headers['content-length'] = length;
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    for (const p of pieces) req.write(p);
    req.end();
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('bufferBodyParser', () => {
  it('hands over the body whole and unchanged, in one Buffer, whether it has a Content-Length or comes chunked', async () => {
    const body = randomBytes(700_000);
    const pieces = Array.from({ length: 70 }, (_, i) => body.subarray(i * 10_000, (i + 1) * 10_000));
    expect((await post(pieces, body.length)).json).toEqual({ isBuffer: true, length: body.length, sha: sha(body) });
    expect((await post(pieces)).json).toEqual({ isBuffer: true, length: body.length, sha: sha(body) });
    expect((await post([], 0)).json).toEqual({ isBuffer: true, length: 0, sha: sha(Buffer.alloc(0)) });
  });

  it('refuses a declared length over the limit with 413 before reading, and a chunked body once it passes the limit', async () => {
    // Headers only: the answer comes before any of the declared body is sent.
    const declared = await new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': LIMIT + 1 } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(declared.status).toBe(413);
    expect(declared.json.code).toBe('FST_ERR_CTP_BODY_TOO_LARGE');
    const chunked = await post(Array.from({ length: 20 }, () => Buffer.alloc(64 * 1024, 1)));
    expect(chunked.status).toBe(413);
    expect(chunked.json.code).toBe('FST_ERR_CTP_BODY_TOO_LARGE');
    // The limit itself is allowed.
    const atLimit = Buffer.alloc(LIMIT, 7);
    expect((await post([atLimit], LIMIT)).json).toEqual({ isBuffer: true, length: LIMIT, sha: sha(atLimit) });
  });
});
