import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { describeExpected } from './query-parameters.js';

// Every number parameter of the read API and the alerts API, through HTTP (`inject`) on the whole
// collector with the embedded engine: a value that is not what the schema allows gets a 400 naming
// the parameter, what it expects and what was sent — never the store's 503 (`limit=Infinity` used
// to reach ClickHouse as a non-finite number).

const dir = mkdtempSync(join(tmpdir(), 'inferlens-query-parameters-'));
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildApp(loadConfig({ env: { INFERLENS_DATA_DIR: join(dir, 'data') }, flags: {} }), { logger: false });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const now = Date.now();
const range = `from=${now - 3_600_000}&to=${now}`;

/** Each number parameter: the endpoint with its other required parameters, and what the 400 must say it expects. */
const PARAMETERS = [
  { path: '/api/v1/predictions', base: '', name: 'limit', expected: 'an integer from 1 to 10000', valid: '5' },
  { path: '/api/v1/logs', base: '', name: 'limit', expected: 'an integer from 1 to 10000', valid: '10000' },
  { path: '/api/v1/drift', base: 'model=m', name: 'limit', expected: 'an integer from 1 to 100000', valid: '100000' },
  { path: '/api/v1/data-quality', base: 'model=m', name: 'limit', expected: 'an integer from 1 to 100000', valid: '1' },
  { path: '/api/v1/sla', base: 'model=m', name: 'limit', expected: 'an integer from 1 to 100000', valid: '7' },
  { path: '/api/v1/quality', base: 'model=m', name: 'limit', expected: 'an integer from 1 to 100000', valid: '7' },
  { path: '/api/v1/timeseries', base: `model=m&${range}`, name: 'step', expected: 'an integer from 60 to 86400', valid: '60' },
  { path: '/api/v1/compare', base: `model=m&a=v1&b=v2&${range}`, name: 'alpha', expected: 'a finite number above 0 and at most 0.5', valid: '0.01' },
  { path: '/api/v1/alerts/history', base: '', name: 'limit', expected: 'an integer from 1 to 10000', valid: '3' },
  { path: '/api/v1/alerts/notifications', base: '', name: 'limit', expected: 'an integer from 1 to 10000', valid: '3' },
];

/** Not a valid value of any of them: non-finite, overflowing, fractional, negative, huge, empty, not a number. */
const INVALID = ['Infinity', '-Infinity', 'NaN', '1e400', '-1e400', '1.5', '-1', '99999999999999999999', '', 'ten', '1,5'];

const url = (p: (typeof PARAMETERS)[number], value: string) =>
  `${p.path}?${p.base}${p.base ? '&' : ''}${p.name}=${encodeURIComponent(value)}`;

describe('number parameters of the read and alerts APIs', () => {
  it.each(PARAMETERS)('$path answers 200 for a valid $name', async (p) => {
    const res = await app.inject({ method: 'GET', url: url(p, p.valid) });
    expect(res.statusCode, res.body).toBe(200);
  });

  it.each(PARAMETERS)('$path answers 400 naming $name for every invalid value', async (p) => {
    for (const value of INVALID) {
      // alpha is a number: 1.5 is out of its range, not fractional; it is still invalid.
      const res = await app.inject({ method: 'GET', url: url(p, value) });
      expect(res.statusCode, `${p.name}=${value}: ${res.body}`).toBe(400);
      expect(res.json()).toEqual({
        error: 'REQUEST_INVALID',
        message: `query parameter ${p.name}: expected ${p.expected}, got ${JSON.stringify(value)}`,
      });
    }
  });

  it('names a repeated parameter’s values as sent', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/predictions?limit=5&limit=Infinity' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('query parameter limit: expected an integer from 1 to 10000, got "5", "Infinity"');
  });

  it('names a missing required parameter and a bad path parameter the same way', async () => {
    const missing = await app.inject({ method: 'GET', url: '/api/v1/timeseries?step=60' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toBe('query parameter model: expected text of 1 to 256 characters, it is missing');
    const badPath = await app.inject({ method: 'GET', url: '/api/v1/traces/not-hex' });
    expect(badPath.statusCode).toBe(400);
    expect(badPath.json().message).toBe('path parameter traceId: expected text matching ^[0-9a-fA-F]{32}$, got "not-hex"');
  });
});

describe('describeExpected', () => {
  it('puts a schema in words', () => {
    expect(describeExpected({ type: 'integer', minimum: 1 })).toBe('an integer at least 1');
    expect(describeExpected({ type: 'number', exclusiveMaximum: 2 })).toBe('a finite number below 2');
    expect(describeExpected({ type: 'number' })).toBe('a finite number');
    expect(describeExpected({ type: 'boolean' })).toBe('true or false');
    expect(describeExpected({ anyOf: [{ const: 'sent' }, { const: 'failed' }] })).toBe('one of "sent", "failed"');
    expect(describeExpected(undefined)).toBe('a valid value');
  });
});
