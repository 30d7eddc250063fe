import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection, type ChdbConnection } from 'chdb/connection';
import { mkdirSync, rmSync } from 'node:fs';
import { open, truncate, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import { MIGRATIONS, MIGRATIONS_TABLE, migrationStatements, type Migration } from './migrations.js';
import { Ddl } from './schema/ddl.js';
import { SCHEMA_MIGRATIONS } from './schema/schema-migrations.js';
import type { InsertOptions, InsertTarget } from './InsertTarget.js';
import { encodeRows, encodeRowsBinary, type BinaryCodec, type TableCodec } from './tables.js';

/** Folder of the data directory holding `RowBinary` payloads while the engine reads them. */
export const INSERT_SPOOL_DIR = 'insert-spool';

/** Where the data lives. */
export type StoreOptions =
  | {
      /** Embedded chDB: the engine runs inside the collector process. */
      mode: 'embedded';
      /** Data directory; created when missing. */
      dataDir: string;
      /**
       * How ingestion's rows reach the engine. `JSONCompactEachRow` (the server's format) is
       * there for tests and benchmarks that compare the two. @default 'RowBinary'
       */
      rowFormat?: 'RowBinary' | 'JSONCompactEachRow';
    }
  | {
      /** A ClickHouse server reached over HTTP(S). */
      mode: 'server';
      /** e.g. `http://127.0.0.1:8123`. */
      url: string;
      username?: string;
      password?: string;
      /** Database holding the tables; created when missing. @default 'default' */
      database?: string;
    };

/** ClickHouse's default `max_partitions_per_insert_block`, assumed when the engine cannot be asked. */
export const DEFAULT_MAX_PARTITIONS_PER_INSERT = 100;

/** Parameters bound server-side as `{name:Type}` placeholders; never concatenated into SQL. */
export type QueryParams = Record<string, unknown>;

/**
 * The one ClickHouse access module of the collector. Embedded (chDB) and server
 * modes run the same SQL through `@clickhouse/client`; only ingestion's inserts
 * differ, chosen by measurement (test/bench/insert-format.bench.js): embedded, rows
 * travel as `RowBinary` in a spool file that the engine reads with `file()` (its
 * in-memory insert takes text formats only, and parsing JSON costs it ~3x the CPU);
 * on a server, as `JSONCompactEachRow` over HTTP.
 *
 * @example
 * const store = await ClickHouseStore.open({ mode: 'embedded', dataDir: './.inferlens/data' });
 * await store.migrate();
 * const rows = await store.query<{ n: string }>('SELECT count() AS n FROM predictions');
 */
export class ClickHouseStore implements InsertTarget {
  /** The underlying client, for code that needs more than this module offers. */
  readonly client: ClickHouseClient;
  /** `embedded` or `server`. */
  readonly mode: 'embedded' | 'server';
  /** The serialisation {@link encode} makes and {@link insertEncoded} takes: `RowBinary` embedded, `JSONCompactEachRow` on a server. */
  readonly rowFormat: 'RowBinary' | 'JSONCompactEachRow';
  #maxPartitionsPerInsert = DEFAULT_MAX_PARTITIONS_PER_INSERT;
  readonly #chdb: ChdbConnection | undefined;
  readonly #spoolDir: string | undefined;
  #spoolSeq = 0;
  /** Spool files between inserts, emptied, for the next insert to overwrite (see {@link insertRowBinary}). */
  readonly #idleSpoolFiles: string[] = [];

  private constructor(client: ClickHouseClient, mode: 'embedded' | 'server', chdb?: ChdbConnection, spoolDir?: string) {
    this.client = client;
    this.mode = mode;
    this.rowFormat = spoolDir ? 'RowBinary' : 'JSONCompactEachRow';
    this.#chdb = chdb;
    this.#spoolDir = spoolDir;
  }

  /**
   * The engine's `max_partitions_per_insert_block` for this connection (0: no limit), read when
   * the store opens: ingestion keeps a shared insert below it (see `InsertBatcher`).
   */
  get maxPartitionsPerInsert(): number {
    return this.#maxPartitionsPerInsert;
  }

  /** Opens the store. Embedded mode binds the data directory for the life of the process. */
  static async open(options: StoreOptions): Promise<ClickHouseStore> {
    if (options.mode === 'embedded') {
      const path = resolve(options.dataDir);
      mkdirSync(path, { recursive: true });
      let connection: ChdbConnection;
      try {
        connection = createChdbConnection({ path });
      } catch (err) {
        throw new StoreError(`cannot open the embedded store at ${path}: ${(err as Error).message}`, err);
      }
      const client = createClient({ connection } as Parameters<typeof createClient>[0]);
      if (options.rowFormat === 'JSONCompactEachRow') return new ClickHouseStore(client, 'embedded', connection).#readLimits();
      // Payloads left by a process that stopped mid-insert were never acknowledged: drop them.
      const spoolDir = join(path, INSERT_SPOOL_DIR);
      rmSync(spoolDir, { recursive: true, force: true });
      mkdirSync(spoolDir, { recursive: true });
      return new ClickHouseStore(client, 'embedded', connection, spoolDir).#readLimits();
    }
    const database = options.database ?? 'default';
    if (database !== 'default') {
      const bootstrap = createClient({ url: options.url, username: options.username ?? 'default', password: options.password ?? '' });
      try {
        await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}` });
      } catch (err) {
        throw new StoreError(`cannot create database ${database} on ${options.url}: ${(err as Error).message}`, err);
      } finally {
        await bootstrap.close();
      }
    }
    const client = createClient({
      url: options.url,
      username: options.username ?? 'default',
      password: options.password ?? '',
      database,
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
    return new ClickHouseStore(client, 'server').#readLimits();
  }

  /**
   * Reads the engine's settings that ingestion must respect (a server's user profile may set
   * them); keeps ClickHouse's defaults when the engine cannot say (it is then checked again
   * by every insert, which fails cleanly).
   */
  async #readLimits(): Promise<this> {
    try {
      const [row] = await this.query<{ m: string | number }>(`SELECT getSetting('max_partitions_per_insert_block') AS m`);
      const m = Number(row?.m);
      if (Number.isSafeInteger(m) && m >= 0) this.#maxPartitionsPerInsert = m;
    } catch {
      // An unreachable server fails the migrations right after, with its own message.
    }
    return this;
  }

  /**
   * Applies every migration not yet recorded, in order. Running it again changes nothing.
   * @returns the versions applied by this call
   */
  async migrate(migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
    for (const statement of Ddl.SINGLE.table(SCHEMA_MIGRATIONS)) await this.command(statement);
    const done = new Set((await this.query<{ Version: number }>(`SELECT Version FROM ${MIGRATIONS_TABLE}`)).map((r) => Number(r.Version)));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const statement of migrationStatements(m)) await this.command(statement);
      await this.command(`INSERT INTO ${MIGRATIONS_TABLE} (Version, Name) VALUES ({version:UInt32}, {name:String})`, {
        version: m.version,
        name: m.name,
      });
      applied.push(m.version);
    }
    return applied;
  }

  /** Versions recorded as applied, ascending. */
  async appliedMigrations(): Promise<number[]> {
    const rows = await this.query<{ Version: number }>(`SELECT Version FROM ${MIGRATIONS_TABLE} ORDER BY Version`);
    return rows.map((r) => Number(r.Version));
  }

  /** Runs a statement that returns no rows. */
  async command(sql: string, params?: QueryParams): Promise<void> {
    try {
      await this.client.command({ query: sql, ...(params && Object.keys(params).length > 0 ? { query_params: params } : {}) });
    } catch (err) {
      throw new StoreError(`ClickHouse statement failed: ${(err as Error).message}`, err);
    }
  }

  /** Runs a query and returns its rows as objects. Values are bound as `{name:Type}` parameters. */
  async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
    try {
      const rs = await this.client.query({
        query: sql,
        format: 'JSONEachRow',
        ...(params && Object.keys(params).length > 0 ? { query_params: params } : {}),
      });
      return await rs.json<T>();
    } catch (err) {
      throw new StoreError(`ClickHouse query failed: ${(err as Error).message}`, err);
    }
  }

  /** The table that {@link insertEncoded} writes `codec`'s rows to (RowBinary may skip a JSON staging table). */
  tableOf<R>(codec: TableCodec<R>): string {
    return this.rowFormat === 'RowBinary' ? codec.binary.table : codec.table;
  }

  /**
   * Serialises rows for {@link insertEncoded} in the store's {@link rowFormat}: `RowBinary`
   * bytes embedded, `JSONCompactEachRow` lines on a server.
   * @param bytesPerRow RowBinary only: expected bytes per row, to size the buffer once
   */
  encode<R>(codec: TableCodec<R>, rows: readonly R[], bytesPerRow?: number): Buffer | string {
    return this.rowFormat === 'RowBinary' ? encodeRowsBinary(codec.binary, rows, bytesPerRow) : encodeRows(codec, rows);
  }

  /**
   * Inserts the concatenation of payloads made by {@link encode}; with the `RowBinary`
   * format, also rows written straight in `codec.binary`'s columns (e.g. by a transcoder).
   * Resolves once ClickHouse has stored them.
   * @param options settings of this insert only (never of the connection or session)
   */
  async insertEncoded<R>(codec: TableCodec<R>, chunks: ReadonlyArray<Buffer | string>, options?: InsertOptions): Promise<void> {
    if (this.rowFormat === 'RowBinary') return this.insertRowBinary(codec.binary, chunks as readonly Buffer[], options);
    return this.insertCompactJson(codec.table, codec.columns, chunks.join('\n'), options);
  }

  /**
   * Inserts rows already serialised as `JSONCompactEachRow` lines (one JSON array per
   * line, values in the order of `columns`, as `JSON.stringify` writes them). A lone surrogate
   * in a string (from a client's `"\ud800"`) is stored as U+FFFD, as the RowBinary writer stores
   * it, instead of failing the whole insert (see {@link withoutLoneSurrogates}). Resolves once
   * ClickHouse has stored them.
   */
  async insertCompactJson(table: string, columns: readonly string[], text: string, options?: InsertOptions): Promise<void> {
    if (text.length === 0) return;
    const payload = withoutLoneSurrogates(text);
    const maxPartitions = partitionsSetting(options);
    try {
      if (this.#chdb) {
        // rawInsert writes its settings into this INSERT's own SETTINGS clause (a chDB session
        // would keep a `clickhouse_settings` value for every later query: it sends them as SET).
        await this.#chdb.chdb.rawInsert({
          table,
          columns: [...columns],
          values: payload,
          format: 'JSONCompactEachRow',
          ...(maxPartitions === undefined ? {} : { settings: { max_partitions_per_insert_block: maxPartitions } }),
        });
      } else {
        await this.client.insert({
          table,
          columns: [...columns] as [string, ...string[]],
          values: Readable.from([payload], { objectMode: false }),
          format: 'JSONCompactEachRow',
          // Over HTTP, settings are parameters of this one request.
          ...(maxPartitions === undefined ? {} : { clickhouse_settings: { max_partitions_per_insert_block: String(maxPartitions) } }),
        });
      }
    } catch (err) {
      throw new StoreError(`insert into ${table} failed: ${(err as Error).message}`, err);
    }
  }

  /**
   * Inserts rows serialised in `RowBinary` by `codec` (the payload is the concatenation of
   * `chunks`). Embedded only (see {@link rowFormat}): the bytes go to a spool file that the
   * engine reads. The file is emptied once the insert has stored its rows, and the next
   * insert overwrites it: the engine already creates and removes a dozen files or more per
   * insert (its parts), and each creation costs the filesystem more while many files were
   * removed recently (on ext4 without a journal, about 0.5 ms of kernel time each on this
   * machine, against 20 µs otherwise).
   * A file whose insert failed is removed.
   * @param options settings of this insert only, in its own SETTINGS clause
   */
  async insertRowBinary<R>(codec: BinaryCodec<R>, chunks: readonly Uint8Array[], options?: InsertOptions): Promise<void> {
    if (!this.#spoolDir) throw new StoreError('RowBinary inserts need the embedded store; use insertCompactJson on a server', undefined);
    if (chunks.every((c) => c.length === 0)) return;
    const file = this.#idleSpoolFiles.pop() ?? join(this.#spoolDir, `${process.pid}-${++this.#spoolSeq}.rowbinary`);
    let stored = false;
    try {
      const handle = await open(file, 'w');
      try {
        await handle.writev(chunks as Uint8Array[]);
      } finally {
        await handle.close();
      }
      const maxPartitions = partitionsSetting(options);
      // Settings go in the statement (bound as a parameter), never through `clickhouse_settings`,
      // which chDB sends as a SET that its session keeps for every later query.
      await this.client.command({
        query: `INSERT INTO ${quoteIdentifier(codec.table)} (${codec.columns.map(([name]) => quoteIdentifier(name)).join(', ')})
          ${maxPartitions === undefined ? '' : 'SETTINGS max_partitions_per_insert_block = {maxPartitions:UInt64}'}
          SELECT * FROM file({file:String}, 'RowBinary', {structure:String})`,
        query_params: { file, structure: binaryStructure(codec), ...(maxPartitions === undefined ? {} : { maxPartitions }) },
      });
      stored = true;
    } catch (err) {
      throw new StoreError(`insert into ${codec.table} failed: ${(err as Error).message}`, err);
    } finally {
      if (stored && (await emptied(file))) this.#idleSpoolFiles.push(file);
      else await unlink(file).catch(() => undefined);
    }
  }

  /** True when the store answers a trivial query. */
  async ping(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the client (and, embedded, the engine's connection), and removes the idle spool files. */
  async close(): Promise<void> {
    await this.client.close();
    for (const file of this.#idleSpoolFiles.splice(0)) await unlink(file).catch(() => undefined);
  }
}

/**
 * A lone surrogate escape (`\ud800`) after an even run of backslashes (so not an escaped backslash
 * followed by the text `ud800`). `JSON.stringify` writes well-formed surrogate pairs as they are,
 * so every such escape in its output is a lone surrogate.
 */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * `JSON.stringify` output with each lone surrogate escape replaced by `\ufffd`. ClickHouse's JSON
 * input refuses a lone surrogate escape (CANNOT_PARSE_ESCAPE_SEQUENCE), and with it the whole
 * insert, other clients' rows included; the collector stores text that is not valid Unicode as
 * U+FFFD instead (collector/src/ingest/utf8-text.ts). Costs one `includes` when there is none.
 */
function withoutLoneSurrogates(json: string): string {
  return json.includes('\\ud') ? json.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd') : json;
}

/** `max_partitions_per_insert_block` of an insert's options, when set (a non-negative integer). */
function partitionsSetting(options: InsertOptions | undefined): number | undefined {
  const n = options?.maxPartitionsPerInsert;
  if (n === undefined) return undefined;
  // A caller's bug, not the store's: never a StoreError (which tells clients to retry).
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`max_partitions_per_insert_block: expected a non-negative integer, got ${n}`);
  return n;
}

/** Truncates a spool file to nothing (keeping it); false when that failed. */
async function emptied(file: string): Promise<boolean> {
  try {
    await truncate(file, 0);
    return true;
  } catch {
    return false;
  }
}

/** The `file()` structure (`name Type, ...`) of a binary codec's columns. */
function binaryStructure<R>(codec: BinaryCodec<R>): string {
  return codec.columns.map(([name, type]) => `${quoteIdentifier(name)} ${type}`).join(', ');
}

/** Quotes a ClickHouse identifier with backticks. Only for names from configuration, never for values. */
export function quoteIdentifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}
