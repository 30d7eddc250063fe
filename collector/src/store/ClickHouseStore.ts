import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection, type ChdbConnection } from 'chdb/connection';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, StoreError } from '../errors.js';
import { HttpSink } from './HttpSink.js';
import { quoteIdentifier, type InsertSink } from './InsertSink.js';
import type { InsertOptions, InsertTarget } from './InsertTarget.js';
import { MIGRATIONS, MIGRATIONS_TABLE, migrationStatements, type Migration } from './migrations.js';
import { Ddl } from './schema/ddl.js';
import { SCHEMA_MIGRATIONS } from './schema/schema-migrations.js';
import { encodeRows, type RowCodec, type TableDefinition } from './schema/TableDefinition.js';
import { SpoolFileSink } from './SpoolFileSink.js';

/** Where the data lives. */
export type StoreOptions =
  | {
      /** Embedded chDB: the engine runs inside the collector process. */
      mode: 'embedded';
      /** Data directory; created when missing. */
      dataDir: string;
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
      /**
       * A cluster (a name of the server's `remote_servers`): migrations run `ON CLUSTER` with
       * Replicated local tables and Distributed tables over them (see `Ddl`), and inserts into a
       * Distributed table are acknowledged once every shard has its rows
       * (`distributed_foreground_insert`).
       */
      cluster?: string;
    };

/** ClickHouse's default `max_partitions_per_insert_block`, assumed when the engine cannot be asked. */
export const DEFAULT_MAX_PARTITIONS_PER_INSERT = 100;

/** How long the embedded store keeps the parts a merge replaced, in seconds (see `ClickHouseStore.keepReplacedParts`). */
export const REPLACED_PARTS_SECONDS = 480;

/** Parameters bound server-side as `{name:Type}` placeholders; never concatenated into SQL. */
export type QueryParams = Record<string, unknown>;

/**
 * The one ClickHouse access module of the collector. Embedded (chDB) and server modes run the
 * same SQL through `@clickhouse/client`, and insert the same RowBinary rows; what differs is
 * chosen once, in {@link open}: the client's connection, and the {@link InsertSink} that moves
 * rows into the engine (a spool file read by `file()` embedded, an HTTP request body on a
 * server). Tables are defined in `store/schema/`; their SQL lives in their read modules in
 * `store/repositories/`; writes take rows by name ({@link insert}).
 *
 * @example
 * const store = await ClickHouseStore.open({ mode: 'embedded', dataDir: './.inferlens/data' });
 * await store.migrate();
 * await store.insert(FEEDBACK, [row]);
 */
export class ClickHouseStore implements InsertTarget {
  /** The underlying client, for code that needs more than this module offers. */
  readonly client: ClickHouseClient;
  /** `embedded` or `server`: what `/readyz` reports. */
  readonly mode: 'embedded' | 'server';
  readonly #sink: InsertSink;
  /** The DDL of this store's topology: one node (embedded, one server) or a cluster. */
  readonly ddl: Ddl;
  #maxPartitionsPerInsert = DEFAULT_MAX_PARTITIONS_PER_INSERT;
  /**
   * Repairs a table with a damaged part (see `InsertTarget.repairTable` and {@link #repairTable});
   * embedded mode only: a server's tables are its operator's.
   */
  readonly repairTable: ((table: string) => Promise<void>) | undefined;

  private constructor(client: ClickHouseClient, mode: 'embedded' | 'server', sink: InsertSink, ddl: Ddl = Ddl.SINGLE) {
    this.client = client;
    this.mode = mode;
    this.repairTable = mode === 'embedded' ? (table) => this.#repairTable(table) : undefined;
    this.#sink = sink;
    this.ddl = ddl;
  }

  /**
   * The engine's `max_partitions_per_insert_block` for this connection (0: no limit), read when
   * the store opens: ingestion keeps a shared insert below it (see `InsertBatcher`).
   */
  /** Whether inserts of a table with an identity store only the rows not stored yet (embedded mode). */
  get deduplicates(): boolean {
    return this.#sink.deduplicates;
  }

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
      return new ClickHouseStore(client, 'embedded', new SpoolFileSink(client, path)).#readLimits();
    }
    const database = options.database ?? 'default';
    if (options.cluster && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new ConfigError(`clickhouse.database: on a cluster the database name must be a plain identifier (letters, digits, _), not ${JSON.stringify(database)}`);
    const ddl = options.cluster ? new Ddl({ kind: 'cluster', cluster: options.cluster, database }) : Ddl.SINGLE;
    if (database !== 'default') {
      const bootstrap = createClient({ url: options.url, username: options.username ?? 'default', password: options.password ?? '' });
      try {
        const create = options.cluster ? ddl.database() : [`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`];
        for (const statement of create) await bootstrap.command({ query: statement });
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
      clickhouse_settings: { date_time_input_format: 'best_effort', ...(options.cluster ? { distributed_foreground_insert: 1 } : {}) },
    });
    return new ClickHouseStore(client, 'server', new HttpSink(client), ddl).#readLimits();
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
    for (const statement of this.ddl.table(SCHEMA_MIGRATIONS)) await this.command(statement);
    const done = new Set((await this.query<{ Version: number }>(`SELECT Version FROM ${MIGRATIONS_TABLE}`)).map((r) => Number(r.Version)));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const statement of migrationStatements(m, this.ddl)) await this.command(statement);
      if (m.run) await m.run(this, this.ddl);
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

  /**
   * Inserts rows given by name (fields named as the table's columns; see its definition), in
   * one insert; resolves once ClickHouse has stored them.
   */
  async insert<R>(table: TableDefinition<R>, rows: readonly R[]): Promise<void> {
    if (rows.length === 0) return;
    await this.insertRowBinary(table, [encodeRows(table, rows)]);
  }

  /**
   * Inserts the concatenation of `chunks`: rows in RowBinary in `codec`'s columns (written by its
   * codec, or straight by a transcoder). Resolves once ClickHouse has stored them.
   * @param options settings of this insert only
   */
  async insertRowBinary<R>(codec: RowCodec<R>, chunks: readonly Uint8Array[], options?: InsertOptions): Promise<void> {
    try {
      await this.#sink.insert(codec as RowCodec<unknown>, chunks, options);
    } catch (err) {
      if (err instanceof RangeError) throw err; // the caller's options, not the store
      throw new StoreError(`insert into ${codec.table} failed: ${(err as Error).message}`, err);
    }
  }

  /**
   * Embedded store: keeps the parts a merge replaced for {@link REPLACED_PARTS_SECONDS} seconds
   * (ClickHouse's own server default; chDB sets `old_parts_lifetime` to 0 and removes them at
   * once), so that a merged part found damaged, as a merge cut short by a full disk leaves one,
   * can be detached and the parts it was merged from come back ({@link #repairTable}). Sets the
   * table setting on each MergeTree table of the database that does not have it yet; run after
   * the migrations. A server keeps its own setting: nothing is done.
   */
  async keepReplacedParts(): Promise<void> {
    if (this.mode !== 'embedded') return;
    const tables = await this.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND endsWith(engine, 'MergeTree') AND NOT match(engine_full, 'old_parts_lifetime')",
    );
    for (const { name } of tables) await this.command(`ALTER TABLE ${quoteIdentifier(name)} MODIFY SETTING old_parts_lifetime = ${REPLACED_PARTS_SECONDS}`);
  }

  /**
   * Repairs a table of the embedded store whose parts include a damaged one (a merge that ran
   * out of disk can leave a part with an empty marks file, and every insert that checks for
   * duplicates then reads it and fails): detaches the table and attaches it again, on the
   * running engine. Attaching loads its parts as at start-up: a part that fails to load is moved
   * to `detached/` (`broken-on-start_…`), and the parts it was merged from, still on disk,
   * become active again, so no stored row is lost. Queries of the table that run meanwhile fail
   * (UNKNOWN_TABLE): the caller holds its inserts back. A table left detached by an earlier
   * failed attempt is attached.
   */
  async #repairTable(table: string): Promise<void> {
    const name = quoteIdentifier(table);
    const [row] = await this.query<{ n: string | number }>(
      'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
      { table },
    );
    if (Number(row?.n) > 0) await this.command(`DETACH TABLE ${name}`);
    await this.command(`ATTACH TABLE ${name}`);
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

  /** Closes the client (and, embedded, the engine's connection) and the sink. */
  async close(): Promise<void> {
    await this.client.close();
    await this.#sink.close();
  }
}

