import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../collector/src/errors.js';
import { ClickHouseStore } from '../../collector/src/store/ClickHouseStore.js';
import { classifyInsertFailure } from '../../collector/src/store/insert-failure.js';
import { RowBinaryWriter } from '../../collector/src/store/row-binary.js';
import { ALL_TABLES } from '../../collector/src/store/schema/all-tables.js';
import { FEEDBACK } from '../../collector/src/store/schema/feedback.js';
import { decodeRows, encodeRows, type AnyTableDefinition } from '../../collector/src/store/schema/TableDefinition.js';
import { clickHouseForTests, startClickHouseTestServer, type ClickHouseTestServer } from '../helpers/clickhouse-server.js';
import { sampleRows } from '../helpers/table-rows.js';

// ClickHouse's HTTP interface as @clickhouse/client and the server store use it, against the
// chDB-backed test server (test/helpers/clickhouse-server.ts) — or, with
// INFERLENS_TEST_CLICKHOUSE_URL set, against that real server, which keeps the model honest:
// every expectation here but the credentials' holds on both.

/** Clients of tests that expect errors: the client would log each one. */
const quiet = { log: { level: ClickHouseLogLevel.OFF } };

let server: ClickHouseTestServer;
let client: ClickHouseClient;
const database = `inferlens_http_${process.pid}`;

beforeAll(async () => {
  server = await clickHouseForTests();
  const bootstrap = createClient({ url: server.url });
  await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await bootstrap.close();
  client = createClient({ url: server.url, database, ...quiet });
});

afterAll(async () => {
  await client?.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  await client?.close();
  await server?.stop();
});

/** A request as it goes on the wire, and its answer as received: what the client hides. */
async function raw(search: Record<string, string>, init: RequestInit = {}) {
  const r = await fetch(`${server.url}/?${new URLSearchParams({ database, ...search })}`, init);
  return { status: r.status, headers: r.headers, text: await r.text() };
}

async function rows<T>(query: string, extra: Omit<Parameters<ClickHouseClient['query']>[0], 'query' | 'format'> = {}): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow', ...extra })).json<T>();
}

describe('ClickHouse HTTP interface, as @clickhouse/client uses it', () => {
  it('binds query parameters of every kind from the text the client sends', async () => {
    // A time of yesterday with milliseconds (relative to now, never a fixed date).
    const t = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000 + 678);
    const text = "tab\there, new\nline, quote ' and \\ backslash, é漢字🙂";
    const got = await rows<Record<string, unknown>>(
      "SELECT {s:String} AS s, {a:Array(String)} AS a, {m:Map(String, String)} AS m, {n:Nullable(Int64)} AS n, {big:Int64} AS big, {t:DateTime64(3, 'UTC')} AS t, {f:Float64} AS f",
      {
        query_params: { s: text, a: [text, "x'y"], m: { [text]: 'v' }, n: null, big: 9007199254740993n, t, f: -0.25 },
        // The engine's default for this setting has changed across versions: ask for quoted 64-bit integers.
        clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
      },
    );
    expect(got).toEqual([{ s: text, a: [text, "x'y"], m: { [text]: 'v' }, n: null, big: '9007199254740993', t: t.toISOString().replace('T', ' ').replace('Z', ''), f: -0.25 }]);
  });

  it('applies settings and the database to one query only, and answers in the format asked', async () => {
    const threads = async (settings?: Record<string, number>) =>
      Number((await rows<{ v: string }>("SELECT getSetting('max_threads') AS v", settings ? { clickhouse_settings: settings } : {}))[0]!.v);
    const before = await threads();
    expect(await threads({ max_threads: 3 })).toBe(3);
    expect(await threads()).toBe(before);
    expect(await rows('SELECT currentDatabase() AS d')).toEqual([{ d: database }]);

    const tsv = await raw({ query: "SELECT 1 AS x, 'a\tb' AS y" });
    expect([tsv.status, tsv.text, tsv.headers.get('x-clickhouse-format')]).toEqual([200, '1\ta\\tb\n', 'TabSeparated']);
    expect(tsv.headers.get('x-clickhouse-query-id')).toMatch(/\S/);
    expect(JSON.parse(tsv.headers.get('x-clickhouse-summary')!)).toMatchObject({ read_rows: expect.any(String), elapsed_ns: expect.any(String) });
    const ndjson = await raw({ query: 'SELECT 1 AS x', default_format: 'JSONEachRow' });
    expect([ndjson.text, ndjson.headers.get('x-clickhouse-format')]).toEqual(['{"x":1}\n', 'JSONEachRow']);
    // gzip both ways: a compressed body, and a compressed answer when asked for one (fetch inflates it).
    const gz = await raw({ enable_http_compression: '1' }, { method: 'POST', body: gzipSync('SELECT 2 AS y FORMAT JSONEachRow'), headers: { 'content-encoding': 'gzip', 'accept-encoding': 'gzip' } });
    expect([gz.status, gz.text, gz.headers.get('content-encoding')]).toEqual([200, '{"y":2}\n', 'gzip']);
  });

  it('inserts RowBinary bodies by the table\'s own column types, whatever byte the data starts with', async () => {
    await client.command({
      query: `CREATE TABLE rb (s String, lc LowCardinality(String), n UInt32, m Map(LowCardinality(String), String), t DateTime64(9), v Nullable(Float64), a Array(String))
        ENGINE = MergeTree ORDER BY n`,
    });
    // Yesterday's midnight (UTC), relative to now: its epoch seconds and its date.
    const midnight = Math.floor(Date.now() / 86_400_000) * 86_400 - 86_400;
    const day = new Date(midnight * 1000).toISOString().slice(0, 10);
    // A String's first byte is its length: tab, line feed, form feed, carriage return, space, ';', 'A'.
    const lengths = [9, 10, 12, 13, 32, 59, 65];
    for (const [n, length] of lengths.entries()) {
      const w = new RowBinaryWriter();
      w.string('x'.repeat(length));
      w.string(`lc-${n}`);
      w.uint32(n);
      w.stringMap({ k: `v${n}`, '': '\n' });
      w.dateTime64Nanos(`${midnight}.00000000${n}`);
      w.nullableFloat64(n % 2 ? null : n / 4);
      w.stringArray(['a', `b${n}`]);
      const result = await client.exec({ query: 'INSERT INTO rb (s, lc, n, m, t, v, a) FORMAT RowBinary', values: Readable.from([w.bytes()]) });
      result.stream.resume();
    }
    const stored = await rows<{ s: string; lc: string; n: number; m: Record<string, string>; t: string; v: number | null; a: string[] }>("SELECT * EXCEPT t, toString(t, 'UTC') AS t FROM rb ORDER BY n");
    expect(stored.map((r) => r.s.length)).toEqual(lengths);
    expect(stored[3]).toEqual({ s: 'x'.repeat(13), lc: 'lc-3', n: 3, m: { k: 'v3', '': '\n' }, v: null, a: ['a', 'b3'], t: `${day} 00:00:00.000000003` });
    // The client's own insert, JSON rows in a gzip body.
    const gzipClient = createClient({ url: server.url, database, compression: { request: true, response: true } });
    try {
      await gzipClient.insert({ table: 'rb', values: [{ s: 'json', lc: 'j', n: 100, m: {}, t: `${day} 00:00:00`, v: 1.5, a: [] }], format: 'JSONEachRow' });
      expect(await (await gzipClient.query({ query: 'SELECT s, v FROM rb WHERE n = 100', format: 'JSONEachRow' })).json()).toEqual([{ s: 'json', v: 1.5 }]);
    } finally {
      await gzipClient.close();
    }
  });

  it('answers errors as ClickHouse does: status by code, X-ClickHouse-Exception-Code, the exception text', async () => {
    await expect(rows('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    const missing = await raw({ query: 'SELECT * FROM no_such_table' });
    expect([missing.status, missing.headers.get('x-clickhouse-exception-code')]).toEqual([404, '60']);
    expect(missing.text).toMatch(/^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version [\d.]+[^)]*\)\n$/s);
    const syntax = await raw({ query: 'SELEC 1' });
    expect([syntax.status, syntax.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    const multi = await raw({}, { method: 'POST', body: 'SELECT 1; SELECT 2' });
    expect([multi.status, multi.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    expect(multi.text).toMatch(/Multi-statements are not allowed/);
    // GET runs read-only (readonly = 2).
    const write = await raw({ query: 'CREATE TABLE w (a UInt8) ENGINE = Memory' });
    expect([write.status, write.headers.get('x-clickhouse-exception-code')]).toEqual([500, '164']);
    const setting = await raw({ query: 'SELECT 1', no_such_setting: '1' });
    expect([setting.status, setting.headers.get('x-clickhouse-exception-code')]).toEqual([404, '115']);
    expect((await raw({ query: "SELECT 1 INTO OUTFILE '/tmp/inferlens-outfile'" }, { method: 'POST' })).headers.get('x-clickhouse-exception-code')).toBe('358');
    expect((await fetch(`${server.url}/ping`).then((r) => r.text()))).toBe('Ok.\n');
  });

  it('checks credentials: none 401, wrong 403, right through Basic auth, X-ClickHouse-User/Key or the URL', async (ctx) => {
    if (server.real) ctx.skip('a real server: its users are its own');
    const guarded = await startClickHouseTestServer({ user: { username: 'grafana', password: 'p@ss:word' } });
    try {
      const none = await fetch(`${guarded.url}/?query=SELECT%201`);
      expect([none.status, none.headers.get('x-clickhouse-exception-code'), none.headers.get('www-authenticate')]).toEqual([401, '194', 'Basic realm="ClickHouse server HTTP API"']);
      const wrong = createClient({ url: guarded.url, username: 'grafana', password: 'nope', ...quiet });
      await expect(wrong.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
      await wrong.close();
      const right = createClient({ url: guarded.url, username: 'grafana', password: 'p@ss:word' });
      expect(await (await right.query({ query: 'SELECT 1 AS x', format: 'JSONEachRow' })).json()).toEqual([{ x: 1 }]);
      await right.close();
      const viaHeaders = await fetch(`${guarded.url}/?query=SELECT%201`, { headers: { 'x-clickhouse-user': 'grafana', 'x-clickhouse-key': 'p@ss:word' } });
      expect(viaHeaders.status).toBe(200);
      expect((await fetch(`${guarded.url}/?query=SELECT%201&user=grafana&password=p%40ss%3Aword`)).status).toBe(200);
      const mixed = await fetch(`${guarded.url}/?query=SELECT%201&user=grafana&password=p%40ss%3Aword`, { headers: { authorization: `Basic ${Buffer.from('grafana:p@ss:word').toString('base64')}` } });
      expect([mixed.status, mixed.headers.get('x-clickhouse-exception-code')]).toEqual([403, '516']);
    } finally {
      await guarded.stop();
    }
  });
});

describe('the server store through this interface', () => {
  let store: ClickHouseStore;
  const storeDatabase = `inferlens_store_${process.pid}`;
  beforeAll(async () => {
    store = await ClickHouseStore.open({ mode: 'server', url: server.url, database: storeDatabase });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.command(`DROP DATABASE IF EXISTS ${storeDatabase}`).catch(() => undefined);
    await store?.close();
  });

  async function readAll(def: AnyTableDefinition): Promise<Array<Record<string, unknown>>> {
    const result = await store.client.exec({ query: `SELECT ${def.columns.map((c) => `\`${c}\``).join(', ')} FROM ${def.name} FORMAT RowBinary` });
    const chunks: Buffer[] = [];
    for await (const chunk of result.stream) chunks.push(chunk as Buffer);
    return decodeRows(def, Buffer.concat(chunks)) as Array<Record<string, unknown>>;
  }

  it('takes rows in every table through HttpSink, written by the definitions, and gives them back unchanged', async () => {
    expect(store.mode).toBe('server');
    expect(store.maxPartitionsPerInsert).toBe(100);
    for (const def of ALL_TABLES.filter((d) => d.columns.length > 0)) {
      // Few rows (a Replacing table merges rows of one key even within an insert), in two chunks, as a batch of two requests arrives.
      const rows = sampleRows(def, 5, def.name.length);
      const before = (await readAll(def)).length;
      await store.insertRowBinary(def, [encodeRows(def, rows.slice(0, 2)), encodeRows(def, rows.slice(2))], { maxPartitionsPerInsert: 1000 });
      const stored = await readAll(def);
      expect(stored.length, def.name).toBe(before + 5);
      for (const row of rows) expect(stored, def.name).toContainEqual(row);
    }
  });

  it("keeps the engine's code and type when it refuses an insert, so ingestion classifies it", async () => {
    const bytes = encodeRows(FEEDBACK, sampleRows(FEEDBACK, 3, 5));
    const err = await store.insertRowBinary(FEEDBACK, [bytes.subarray(0, bytes.length - 3)]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).clickhouseType).toMatch(/^(CANNOT_READ_ALL_DATA|ATTEMPT_TO_READ_AFTER_EOF|UNEXPECTED_END_OF_FILE)$/);
    expect(classifyInsertFailure(err)).toBe('content');
  });
});
