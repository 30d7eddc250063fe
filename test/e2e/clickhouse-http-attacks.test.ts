import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickHouseHttpEnv, clickHouseHttpListening, removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { postAccepted } from '../helpers/ndjson.js';

// Attacks on the collector's read-only ClickHouse HTTP interface (clickhouseHttp.*), each sent
// as raw SQL over real HTTP to a collector child process on its embedded chDB engine, as a
// reviewer did with curl: reading a file the collector's user can read (a secret written by the
// test), writing one (INTO OUTFILE), reading `system` tables, running two statements, and
// loosening the query through client settings. Each must be refused with a ClickHouse error of
// the expected type, the secret must appear nowhere in the answer, and no file may be written.

const USER = 'grafana';
const PASSWORD = 'attack-test';
const SECRET = `inferlens-secret-${randomBytes(8).toString('hex')}`;
let collector: CollectorProcess;
let dir: string;
let outside: string;
let secretFile: string;
let chUrl: string;
let client: ClickHouseClient;

beforeAll(async () => {
  dir = tempDataDir();
  outside = mkdtempSync(join(tmpdir(), 'inferlens-attack-'));
  secretFile = join(outside, 'secret.txt');
  writeFileSync(secretFile, `${SECRET}\n`);
  collector = await startCollector({
    dataDir: dir,
    env: clickHouseHttpEnv(USER, PASSWORD),
  });
  chUrl = `http://127.0.0.1:${clickHouseHttpListening(collector).port}`;
  client = createClient({ url: chUrl, username: USER, password: PASSWORD, log: { level: ClickHouseLogLevel.OFF } });
  await postAccepted(`${collector.url}/v1/predictions`, [{ predictionId: 'a-1', model: 'fraud', version: 'v1', timestamp: Date.now() - 1000, latencyMs: 3, features: { amount: 1 } }]);
});

afterAll(async () => {
  await client?.close();
  await collector?.stop();
  if (dir) removeDir(dir);
  if (outside) removeDir(outside);
});

const auth = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };

/** POSTs `sql` as the body (as curl --data-binary does), with `search` as the URL's parameters. */
async function post(sql: string, search = ''): Promise<{ status: number; code: string | null; body: string }> {
  const res = await fetch(`${chUrl}/${search}`, { method: 'POST', headers: auth, body: sql });
  return { status: res.status, code: res.headers.get('x-clickhouse-exception-code'), body: await res.text() };
}

/** Expects `sql` refused with the error `type`, and the secret nowhere in the answer. */
async function expectRefused(sql: string, type: string, search = ''): Promise<void> {
  const r = await post(sql, search);
  expect(r.status, sql).toBeGreaterThanOrEqual(400);
  expect(r.code, sql).not.toBeNull();
  expect(r.body, sql).toContain(`(${type})`);
  expect(r.body, sql).not.toContain(SECRET);
  expect(r.body, sql).not.toMatch(/root:x:0:0/);
}

describe('read-only ClickHouse HTTP interface under attack', () => {
  it('answers a plain read (the control: the interface works, and the secret is readable by the process)', async () => {
    const r = await post('SELECT count() AS n FROM predictions FORMAT JSONEachRow');
    expect([r.status, r.body.trim()]).toEqual([200, '{"n":1}']);
    expect(existsSync(secretFile)).toBe(true);
  });

  it('refuses file() and other functions that reach out, however named, cased, quoted, commented or nested', async () => {
    const f = `'${secretFile}'`;
    for (const sql of [
      `SELECT \`file\`(${f})`,
      `SELECT length(\`file\`('/proc/self/environ'))`,
      `SELECT \`file\`('/etc/passwd')`,
      `SELECT 1 AS $x$, file(${f})`,
      `SELECT 1 AS $x$, \`FILE\`(${f})`,
      `SELECT FILE(${f})`,
      `SELECT FiLe(${f})`,
      `SELECT "file"(${f})`,
      `SELECT /* file */ file/**/(${f})`,
      `SELECT /* nested /* comment */ */ file(${f})`,
      `SELECT 1 # comment \`\n, file(${f}) -- \``,
      `SELECT 1 -- \`\n, file(${f})`,
      `SELECT $$it's$$, file(${f})`,
      `SELECT $tag$ $$ ' \` $tag$, file(${f})`,
      `SELECT 'a\\'', file(${f})`,
      `SELECT 'a\\\\', file(${f})`,
      `SELECT 'ünïcödé' AS \`ключ\`, file(${f})`,
      `SELECT * FROM (SELECT * FROM (SELECT file(${f}) AS x))`,
      `SELECT (SELECT file(${f}))`,
      `WITH (SELECT file(${f})) AS x SELECT x`,
      `WITH t AS (SELECT file(${f}) AS x) SELECT x FROM t`,
      `SELECT 1 UNION ALL SELECT file(${f})`,
      `(SELECT 1) UNION DISTINCT (SELECT length(file(${f})))`,
      `SELECT 1 WHERE file(${f}) != ''`,
      `SELECT arrayMap(x -> file(x), [${f}])`,
      `SELECT * APPLY(file) FROM (SELECT ${f} AS p)`,
      `SELECT COLUMNS('p') APPLY(file) FROM (SELECT ${f} AS p)`,
      `SELECT dictGet('d', 'a', toUInt64(1))`,
      `SELECT joinGet('j', 'v', 1)`,
      `SELECT getClientHTTPHeader('Authorization')`,
      `SELECT filesystemAvailable()`,
      `SELECT url('http://127.0.0.1:9/')`,
      `SELECT hasColumnInTable('system', 'users', 'name')`,
      `SELECT catboostEvaluate(${f}, 1)`,
      `SELECT sleepEachRow(1) FROM numbers(100)`,
    ]) await expectRefused(sql, 'ACCESS_DENIED');
  });

  it('refuses table functions that reach out, in FROM, JOIN, IN and DESCRIBE', async () => {
    const f = `'${secretFile}'`;
    for (const sql of [
      `SELECT * FROM file(${f}, 'LineAsString')`,
      `SELECT * FROM \`file\`(${f}, 'LineAsString')`,
      `SELECT * FROM FILE(${f}, 'LineAsString')`,
      `SELECT * FROM numbers(1) AS n CROSS JOIN file(${f}, 'LineAsString') AS s`,
      `SELECT 1 AS $x$ FROM file(${f}, 'LineAsString')`,
      `SELECT * FROM url('http://127.0.0.1:9/x', 'JSONEachRow')`,
      `SELECT * FROM remote('127.0.0.1', system.one)`,
      `SELECT * FROM executable('cat ${secretFile}', 'LineAsString', 'x String')`,
      `SELECT * FROM input('x String')`,
      `SELECT * FROM merge('system', '^one$')`,
      `SELECT * FROM loop(numbers(1))`,
      `DESCRIBE TABLE file(${f}, 'LineAsString')`,
      `SELECT 1 WHERE 'x' IN (SELECT * FROM file(${f}, 'LineAsString'))`,
    ]) await expectRefused(sql, 'ACCESS_DENIED');
  });

  it('refuses system and INFORMATION_SCHEMA tables, however spelled, through FROM, JOIN, IN, CTEs, parameters and EXISTS', async () => {
    for (const sql of [
      'SELECT count() AS $x$ FROM system.tables',
      'SELECT 1 # `\n, count() FROM system.tables -- `',
      'SELECT 1 # `\r\n, count() FROM system.tables',
      'SELECT count() FROM `system`.`tables`',
      'SELECT count() FROM "system"."tables"',
      'SELECT count() FROM system . tables',
      'SELECT count() FROM system/**/./**/tables',
      'SELECT count() FROM SYSTEM.tables',
      'SELECT * FROM information_schema.tables',
      'SELECT * FROM INFORMATION_SCHEMA.TABLES',
      'SELECT * FROM predictions AS p INNER JOIN system.one AS o ON 1 = 1',
      'SELECT 1 WHERE 0 IN system.one',
      'SELECT 1 WHERE 0 GLOBAL IN system.one',
      'WITH t AS (SELECT * FROM system.users) SELECT count() FROM t',
      'SELECT 1 UNION ALL SELECT count() FROM system.tables',
      'SELECT * FROM (SELECT * FROM (SELECT name FROM system.tables))',
      'EXISTS TABLE system.tables',
      'DESCRIBE TABLE system.tables',
    ]) await expectRefused(sql, 'ACCESS_DENIED');
    // A table named through a query parameter of type Identifier is checked after substitution.
    await expectRefused('SELECT count() FROM {t:Identifier}', 'ACCESS_DENIED', '?param_t=system.tables');
    await expectRefused('SELECT 1', 'ACCESS_DENIED', '?database=system');
    await expectRefused('SHOW TABLES FROM system', 'READONLY');
  });

  it('refuses INTO OUTFILE in every form, and writes no file', async () => {
    const out = join(outside, 'out.txt');
    for (const sql of [
      `SELECT 1 AS $x$, 'hello' INTO OUTFILE '${out}' FORMAT TSV`,
      `SELECT 1 AS $x$, 'hello' INTO OUTFILE '${out}' APPEND FORMAT TSV`,
      `SELECT 1 AS $x$, 'hello' INTO OUTFILE '${out}' TRUNCATE FORMAT TSV`,
      `SELECT 'hello' INTO OUTFILE '${out}' AND STDOUT`,
      `SELECT 'hello' INTO OUTFILE '${out}' COMPRESSION 'gzip'`,
      `SELECT 'hello' /* */ INTO /* x */ OUTFILE '${out}'`,
      `SELECT 'hello' # \`\nINTO OUTFILE '${out}'`,
      `DESCRIBE TABLE predictions INTO OUTFILE '${out}'`,
      `EXISTS TABLE predictions INTO OUTFILE '${out}'`,
      `SHOW TABLES INTO OUTFILE '${out}'`,
      `SELECT 'hello' $$ INTO OUTFILE '${out}'`,
    ]) await expectRefused(sql, 'INTO_OUTFILE_NOT_ALLOWED');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.gz`)).toBe(false);
  });

  it('refuses more than one statement, whatever hides the semicolon', async () => {
    for (const sql of [
      'SELECT 1 AS $x$; SELECT 2',
      "SELECT 1 AS $x$; INSERT INTO predictions (PredictionId) VALUES ('x')",
      'SELECT 1 # `\n; DROP TABLE predictions',
      'SELECT 1; SELECT 2',
    ]) await expectRefused(sql, 'SYNTAX_ERROR');
    const r = await post('SELECT count() AS n FROM predictions FORMAT JSONEachRow');
    expect(r.body.trim()).toBe('{"n":1}');
  });

  it('refuses formats that read files and client settings outside the allowlist, before the engine applies them', async () => {
    const f = encodeURIComponent(secretFile);
    await expectRefused("SELECT 'x' FORMAT Template", 'READONLY', `?format_template_row=${f}`);
    await expectRefused("SELECT 'x' FORMAT Template", 'UNKNOWN_FORMAT');
    // The statement's own SETTINGS meet readonly = 1 as the engine parses it.
    await expectRefused("SELECT 'x' FORMAT Template SETTINGS format_template_row = '/etc/passwd'", 'READONLY');
    await expectRefused("SELECT 'x' SETTINGS format_template_row = '/etc/passwd' FORMAT JSON", 'READONLY');
    await expectRefused("SELECT 1 AS $x$ FORMAT Template", 'UNKNOWN_FORMAT');
    await expectRefused("SELECT 'x' FORMAT CapnProto", 'UNKNOWN_FORMAT');
    await expectRefused('EXISTS TABLE predictions FORMAT Template', 'UNKNOWN_FORMAT');
    await expectRefused('DESCRIBE TABLE predictions FORMAT Template', 'UNKNOWN_FORMAT');
    await expectRefused("SELECT 'x' FORMAT `Template`", 'UNKNOWN_FORMAT');
    await expectRefused("SELECT 'x' FORMAT \"Template\"", 'UNKNOWN_FORMAT');
    await expectRefused("SELECT 'x'", 'UNKNOWN_FORMAT', '?default_format=Template');
    await expectRefused("SELECT 'x'", 'READONLY', `?format_schema=${f}`);
    await expectRefused("SELECT 'x'", 'READONLY', '?dialect=kusto');
    await expectRefused("SELECT 'x'", 'READONLY', '?readonly=0&allow_ddl=1');
    await expectRefused('', 'READONLY', '?query=SET%20readonly%20%3D%200');
    // What @clickhouse/client and Grafana's plugin send still works.
    const ok = await post('SELECT getSetting(\'max_execution_time\') AS t FORMAT JSONEachRow', '?max_execution_time=5&enable_http_compression=0&output_format_json_quote_64bit_integers=1&send_progress_in_http_headers=0');
    expect([ok.status, ok.body.trim()]).toEqual([200, '{"t":5}']);
    expect(await (await client.query({ query: 'SELECT toString(number) AS s FROM numbers(2) WHERE s != {x:String}', format: 'JSONCompactEachRowWithNamesAndTypes', query_params: { x: 'z' } })).json()).toEqual([['s'], ['String'], ['0'], ['1']]);
  });

  it('refuses writes and DDL, however hidden', async () => {
    for (const sql of [
      "INSERT INTO predictions (PredictionId) VALUES ('x')",
      "insert /* */ into predictions (PredictionId) VALUES ('x')",
      'DROP TABLE predictions',
      'CREATE TABLE t ENGINE = Memory AS SELECT 1',
      "CREATE FUNCTION f AS x -> file(x)",
      'EXPLAIN SELECT 1',
      'SET readonly = 0',
      'USE system',
    ]) await expectRefused(sql, 'READONLY');
    const r = await post('SELECT count() AS n FROM predictions FORMAT JSONEachRow');
    expect(r.body.trim()).toBe('{"n":1}');
  });
});
