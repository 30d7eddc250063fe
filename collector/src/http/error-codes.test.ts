import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as errors from '../errors.js';
import { CollectorError } from '../errors.js';
import { InvalidBodyError } from '../ingest/native/parse-records.js';
import { OtlpDecodeError } from '../ingest/otlp/otlp-decode-error.js';
import { RulesError } from '../alerts/rules-file.js';
import { DriftInputError, type DriftInputErrorCode } from '../offline/DriftInputError.js';
import { ERROR_CODES, httpErrorCodes, renderErrorCodeTables, type ErrorCode, type ErrorCodeSpec } from './error-codes.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..');
const PAGE = join(SRC, '../../docs/http-api.md');
const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const spec = (code: ErrorCode): ErrorCodeSpec => ERROR_CODES[code];

/** One instance of every concrete error class, built with placeholder arguments. */
function everyError(): CollectorError[] {
  const abstract = new Set<unknown>([errors.CollectorError, errors.BadRequestError, errors.ClickHouseFailure]);
  const classes = (Object.values(errors) as unknown[]).filter((v) => typeof v === 'function' && v.prototype instanceof CollectorError && !abstract.has(v));
  const fromErrorsTs = (classes as Array<new (message: string) => CollectorError>).map((C) => new C('placeholder'));
  const drift = CODES.filter((c): c is DriftInputErrorCode => c.startsWith('DRIFT_')).map((c) => new DriftInputError(c, 'placeholder'));
  return [...fromErrorsTs, new InvalidBodyError('placeholder'), new OtlpDecodeError('placeholder'), new RulesError('placeholder'), ...drift];
}

describe('the error-code registry', () => {
  it('gives every code a 4xx or 5xx status, and Retry-After exactly to the codes answering 429 or 503', () => {
    for (const code of CODES) {
      const { status, retryAfterSeconds } = spec(code);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      if (status === 429 || status === 503) expect(retryAfterSeconds, code).toBeGreaterThan(0);
      else expect(retryAfterSeconds, code).toBeUndefined();
    }
  });

  it('is the only source of the error classes: each class answers its code with the registry status and Retry-After', () => {
    const made = everyError();
    for (const e of made) {
      expect(CODES, e.name).toContain(e.code);
      expect({ name: e.name, statusCode: e.statusCode, retryAfterSeconds: e.retryAfterSeconds }).toEqual({
        name: e.name,
        statusCode: spec(e.code).status,
        retryAfterSeconds: spec(e.code).retryAfterSeconds,
      });
    }
    // No code without a class that raises it.
    expect(new Set(made.map((e) => e.code))).toEqual(new Set(CODES));
  });

  it('lets an error ask for its own Retry-After only where the code has one', () => {
    expect(new errors.SaturatedError('shutting down', 5).retryAfterSeconds).toBe(5);
    expect(new errors.SaturatedError('saturated').retryAfterSeconds).toBe(1);
    expect(new errors.StoreError('down', undefined).retryAfterSeconds).toBe(2);
    expect(new errors.RowsRefusedError('bad rows', undefined).retryAfterSeconds).toBeUndefined();
  });

  it('is what docs/http-api.md documents: every code, with its status and Retry-After, and no other', () => {
    const text = readFileSync(PAGE, 'utf8');
    const begin = /<!-- error-codes:begin[^\n]*-->\n/.exec(text);
    const end = text.indexOf('<!-- error-codes:end -->');
    expect(begin, 'docs/http-api.md has the error-codes markers').not.toBeNull();
    const expected = `${renderErrorCodeTables()}\n`;
    const documented = text.slice(begin!.index + begin![0].length, end);
    if (documented !== expected && process.env.INFERLENS_WRITE_DOCS === '1') {
      writeFileSync(PAGE, text.slice(0, begin!.index + begin![0].length) + expected + text.slice(end));
      return;
    }
    expect(documented, 'the docs/http-api.md table differs from the registry: run with INFERLENS_WRITE_DOCS=1 to rewrite it').toBe(expected);
    // The same, said as the issue asks it: every code documented once, every documented code exists.
    const rows = [...documented.matchAll(/^\| `([A-Z0-9_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(rows.map(([c]) => c).sort()).toEqual([...CODES].sort());
    for (const [code, n] of rows) expect(n, code).toBe(spec(code as ErrorCode).cliExit ?? spec(code as ErrorCode).status);
  });
});

describe('error codes in the source', () => {
  /** Every non-test TypeScript file under collector/src. */
  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      const path = join(dir, d.name);
      if (d.isDirectory()) return sources(path);
      return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [path] : [];
    });
  }

  it('are written only in the registry and where an error class binds its code (no inline codes in replies or throws)', () => {
    const http = new Set<string>(httpErrorCodes());
    const inline: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file);
      if (rel === join('http', 'error-codes.ts')) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) {
        if (!http.has(m[1]!)) continue;
        const before = text.slice(Math.max(0, m.index - 40), m.index);
        // A class binding its code (`super('CODE', ...)`) or narrowing its type (`readonly code: 'CODE'`).
        if (/super\(\s*$/.test(before) || /readonly code: $/.test(before)) continue;
        // A one-word code (`INTERNAL`) counts only where it is used as a code: OTLP's span kinds have an INTERNAL too.
        if (!m[1]!.includes('_') && !/(?:error|code)\s*(?::|===?)\s*$/.test(before)) continue;
        inline.push(`${rel}: ${text.slice(m.index - 30, m.index + m[0].length + 10).replace(/\s+/g, ' ')}`);
      }
    }
    expect(inline).toEqual([]);
  });
});
