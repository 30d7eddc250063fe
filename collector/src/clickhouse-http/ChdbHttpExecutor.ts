import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Session } from 'chdb';
import { ClickHouseHttpError } from './ClickHouseHttpError.js';
import type { ClickHouseHttpRequest } from './http-request.js';
import { hasKeywordSequence, sqlTokens, statementShape, type SqlToken, type StatementShape } from './sql-scan.js';

/** One statement of a request, ready to run: its SQL and, for an `INSERT ... FORMAT`, its data. */
export interface PreparedStatement {
  sql: string;
  shape: StatementShape;
  /** The INSERT's data (bytes in its format), when it has some. */
  data?: { format: string; bytes: Buffer };
}

/**
 * What a deployment of the interface allows: checked before a statement runs, and settings forced
 * after the client's (so the client cannot undo them).
 */
export interface ExecutionPolicy {
  /** Throws a {@link ClickHouseHttpError} for a statement this interface refuses (before the engine sees anything of the request). */
  check?(statement: PreparedStatement, request: ClickHouseHttpRequest): void | Promise<void>;
  /**
   * The database a request that names none runs in. @default the engine's current one
   */
  database?: string;
  /**
   * Decides on the engine's own parse of the statement, on the request's connection once its
   * database, settings, parameters and the forced settings are set: throws a
   * {@link ClickHouseHttpError} to refuse it, or returns the SQL to run instead (the engine's
   * formatting of what it parsed, so what runs is what was checked).
   */
  inspect?(statement: PreparedStatement, request: ClickHouseHttpRequest, parser: EngineParser): Promise<string | void>;
  /**
   * Settings applied after the client's own and the query parameters, in order; the client's
   * settings of these names are dropped. A `readonly` among them goes last, so the statement's
   * own `SETTINGS` clause cannot change the others.
   */
  forcedSettings?(request: ClickHouseHttpRequest): ReadonlyArray<readonly [name: string, value: string]>;
}

/** One node of the engine's `EXPLAIN AST` dump. */
export interface AstNode {
  /** Nesting depth: 0 for the statement itself. */
  depth: number;
  /** The node's type (`SelectWithUnionQuery`, `Function`, `TableIdentifier`, ...). */
  type: string;
  /** The rest of the line: the name, `(alias ...)` and `(children N)`, as the engine prints them. */
  detail: string;
}

/** The engine's parser on a request's connection (see {@link ExecutionPolicy.inspect}). */
export interface EngineParser {
  /** `formatQuerySingleLine(sql)`: the engine's canonical text of one statement; rejects a syntax error and more than one statement. */
  format(sql: string): Promise<string>;
  /** `EXPLAIN AST <sql>` (query parameters substituted), one node a row, in order. */
  explainAst(sql: string): Promise<AstNode[]>;
}

/** A statement's result. */
export interface ExecutionResult {
  /** The output bytes, in `format`. */
  body: Buffer;
  /** The output format (the statement's `FORMAT`, the request's default, or TabSeparated). */
  format: string;
  queryId: string;
  /** `X-ClickHouse-Summary`, as ClickHouse writes it (numbers as strings). */
  summary: Record<string, string>;
}

/** Options of {@link ChdbHttpExecutor}. */
export interface ChdbHttpExecutorOptions {
  /** The engine's data directory (the process's one chDB directory). */
  dataDir: string;
  /** Where an INSERT's data waits while the engine reads it. @default `<dataDir>/http-spool` */
  spoolDir?: string;
  /**
   * Settings of every request before the client's own (a server's default profile): e.g.
   * `output_format_json_quote_64bit_integers = 1`, the default of servers before 25.x.
   */
  defaultSettings?: ReadonlyArray<readonly [name: string, value: string]>;
}

/**
 * Runs requests of ClickHouse's HTTP interface on embedded chDB, each on a connection of its own
 * (so a request's settings, database and parameters end with it, as on a server): `USE` the
 * request's database, `SET` its settings and `param_*` values, then the statement. An INSERT's
 * data goes to a spool file the engine reads with `FROM INFILE`, so the engine parses it with
 * the table's own column types, as a server parses a request body.
 */
export class ChdbHttpExecutor {
  readonly #dataDir: string;
  readonly #spoolDir: string;
  readonly #defaultSettings: ReadonlyArray<readonly [string, string]>;
  /**
   * A connection held open for the executor's life: the engine shuts down with the last
   * connection to its directory, and starting it again costs 20–40 ms a request.
   */
  readonly #anchor: Session;
  #seq = 0;

  constructor(options: ChdbHttpExecutorOptions) {
    this.#dataDir = resolve(options.dataDir);
    this.#spoolDir = resolve(options.spoolDir ?? join(this.#dataDir, 'http-spool'));
    this.#defaultSettings = options.defaultSettings ?? [];
    mkdirSync(this.#spoolDir, { recursive: true });
    this.#anchor = new Session(this.#dataDir);
  }

  /** Releases the executor's own connection (requests in flight keep theirs until they end). */
  close(): void {
    this.#anchor.close();
  }

  /** The engine's `version()` and `timezone()`, which the interface reports. */
  async serverInfo(): Promise<{ version: string; timezone: string }> {
    const [version, timezone] = (await this.#anchor.queryAsync('SELECT version(), timezone()', { format: 'TabSeparated' })).text().trim().split('\t');
    return { version: version!, timezone: timezone! };
  }

  /** The engine's databases (`SHOW DATABASES`). */
  async databases(): Promise<string[]> {
    return (await this.#anchor.queryAsync('SHOW DATABASES', { format: 'TabSeparated' })).text().split('\n').filter((d) => d !== '');
  }

  /** The engine's table functions (`system.table_functions`). */
  async tableFunctions(): Promise<string[]> {
    return (await this.#anchor.queryAsync('SELECT name FROM system.table_functions', { format: 'TabSeparated' })).text().split('\n').filter((d) => d !== '');
  }

  /** The statement of a request: from the `query` parameter and the body, as ClickHouse joins them. */
  static prepare(request: ClickHouseHttpRequest): PreparedStatement {
    const { urlQuery, body } = request;
    if (urlQuery !== undefined) {
      // ClickHouse reads the parameter, a line break, then the body, as one stream.
      const shape = statementShape(urlQuery);
      if (shape.insertFormat) {
        const inline = Buffer.from(urlQuery.slice(shape.insertFormat.dataStart), 'utf8');
        const bytes = inline.length === 0 ? body : body.length === 0 ? inline : Buffer.concat([inline, Buffer.from('\n'), body]);
        return { sql: urlQuery.slice(0, shape.insertFormat.headEnd), shape, data: { format: shape.insertFormat.format, bytes } };
      }
      if (body.length === 0) return { sql: urlQuery, shape };
      const sql = `${urlQuery}\n${body.toString('utf8')}`;
      return ChdbHttpExecutor.#fromText(sql, Buffer.from(sql, 'utf8'));
    }
    return ChdbHttpExecutor.#fromText(undefined, body);
  }

  /** A statement from the body alone: its data, if an INSERT has some, stays bytes. */
  static #fromText(text: string | undefined, bytes: Buffer): PreparedStatement {
    // latin1 keeps one character per byte, so the indexes found are byte offsets.
    const shape = statementShape(bytes.toString('latin1'));
    if (shape.insertFormat) {
      return {
        sql: bytes.subarray(0, shape.insertFormat.headEnd).toString('utf8'),
        shape: statementShape(bytes.subarray(0, shape.insertFormat.dataStart).toString('utf8')),
        data: { format: shape.insertFormat.format, bytes: bytes.subarray(shape.insertFormat.dataStart) },
      };
    }
    const sql = text ?? bytes.toString('utf8');
    return { sql, shape: statementShape(sql) };
  }

  /** Runs a request's statement; rejects with a {@link ClickHouseHttpError}. */
  async execute(request: ClickHouseHttpRequest, policy: ExecutionPolicy = {}): Promise<ExecutionResult> {
    const queryId = request.queryId ?? randomUUID();
    const statement = ChdbHttpExecutor.prepare(request);
    if (statement.sql.trim() === '') throw new ClickHouseHttpError(211, 'EMPTY_QUERY', 'Empty query');
    if (statement.shape.multiStatement) throw ClickHouseHttpError.of('SYNTAX_ERROR', 'Syntax error: Multi-statements are not allowed');
    refuseFileClauses(statement.sql);
    await policy.check?.(statement, request);
    const session = new Session(this.#dataDir);
    let spool: string | undefined;
    try {
      const forced = policy.forcedSettings?.(request) ?? [];
      const forcedNames = new Set(forced.map(([name]) => name));
      const database = request.database ?? policy.database;
      const preamble = [
        ...(database !== undefined ? [`USE ${quoteIdentifier(database)}`] : []),
        ...[...this.#defaultSettings, ...request.settings.filter(([name]) => !forcedNames.has(name))].map(([name, value]) => `SET ${name} = ${quoteString(value)}`),
        ...Object.entries(request.params).map(([name, value]) => {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw ClickHouseHttpError.of('BAD_ARGUMENTS', `Invalid query parameter name '${name}'`);
          return `SET param_${name} = ${quoteString(value)}`;
        }),
        ...[...forced.filter(([name]) => name !== 'readonly'), ...forced.filter(([name]) => name === 'readonly')].map(([name, value]) => `SET ${name} = ${quoteString(value)}`),
        // As a server: GET runs read-only, settings may still change.
        ...(request.method === 'GET' && !forcedNames.has('readonly') && !request.settings.some(([k]) => k === 'readonly') ? ['SET readonly = 2'] : []),
      ];
      if (preamble.length > 0) await session.queryAsync(preamble.join(';\n'), { format: 'TabSeparated' });
      let sql = statement.sql;
      let shape = statement.shape;
      const inspected = await policy.inspect?.(statement, request, sessionParser(session, this.#anchor));
      if (typeof inspected === 'string') {
        sql = inspected;
        shape = statementShape(sql);
      }
      const format = shape.outputFormat ?? request.defaultFormat ?? 'TabSeparated';
      if (statement.data) {
        spool = join(this.#spoolDir, `${process.pid}-${++this.#seq}.${statement.data.format}`);
        await writeFile(spool, statement.data.bytes);
        sql = withInfile(statement, spool);
      }
      const started = process.hrtime.bigint();
      const result = await session.queryAsync(sql, { format });
      const elapsed = process.hrtime.bigint() - started;
      const body = Buffer.from(result.bytes());
      const written = statement.shape.verb === 'INSERT';
      return {
        body,
        format,
        queryId,
        summary: {
          read_rows: String(result.rowsRead ?? 0),
          read_bytes: String(result.bytesRead ?? 0),
          written_rows: written ? String(result.rowsRead ?? 0) : '0',
          written_bytes: written ? String(result.bytesRead ?? 0) : '0',
          total_rows_to_read: '0',
          result_rows: written ? '0' : String(result.rowsRead ?? 0),
          result_bytes: written ? '0' : String(body.length),
          elapsed_ns: elapsed.toString(),
        },
      };
    } catch (err) {
      throw ClickHouseHttpError.fromEngine(err);
    } finally {
      session.close();
      if (spool) await unlink(spool).catch(() => undefined);
    }
  }
}

/**
 * The engine's parser on `session` (its settings and query parameters apply to `EXPLAIN AST`).
 * `formatQuerySingleLine` runs on `pure`, another connection: binding a parameter clears the
 * connection's own, and the function depends on nothing of the request but the text.
 */
function sessionParser(session: Session, pure: Session): EngineParser {
  return {
    async format(sql) {
      // The statement travels as a bound parameter: nothing of it becomes SQL here.
      const text = (await pure.queryBindAsync('SELECT formatQuerySingleLine({inferlens_statement:String}) AS q', { inferlens_statement: sql }, { format: 'JSONEachRow' })).text();
      return (JSON.parse(text) as { q: string }).q;
    },
    async explainAst(sql) {
      const text = (await session.queryAsync(`EXPLAIN AST ${sql}`, { format: 'JSONEachRow' })).text();
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const row = (JSON.parse(line) as { explain: string }).explain;
          const depth = row.length - row.trimStart().length;
          const body = row.slice(depth);
          const space = body.indexOf(' ');
          return space < 0 ? { depth, type: body, detail: '' } : { depth, type: body.slice(0, space), detail: body.slice(space + 1) };
        });
    },
  };
}

/**
 * `INSERT INTO t (c) [SETTINGS ...]` + data → `INSERT INTO t (c) FROM INFILE '<file>' [SETTINGS ...] FORMAT <f>`;
 * `INSERT INTO t (c) SELECT ... FROM input(<structure>) ...` + data → the same `SELECT` from
 * `file('<file>', '<f>', <structure>)` (the server's `input()` reads the request's data).
 */
function withInfile(statement: PreparedStatement, file: string): string {
  const { sql, shape } = statement;
  const input = inputCall(sql);
  if (input !== undefined) return `${sql.slice(0, input)}file(${quoteString(file)}, ${quoteString(statement.data!.format)}, ${sql.slice(input).replace(/^input\s*\(/i, '')}`;
  const at = shape.insertSettingsAt ?? sql.length;
  return `${sql.slice(0, at).trimEnd()} FROM INFILE ${quoteString(file)} ${sql.slice(at).trim()} FORMAT ${statement.data!.format}`;
}

/** Where the word `input` followed by `(` starts in `sql` (outside strings and comments), if it does. */
function inputCall(sql: string): number | undefined {
  let previous: SqlToken | undefined;
  for (const t of sqlTokens(sql)) {
    if (previous?.kind === 'word' && previous.text.toLowerCase() === 'input' && t.text === '(') return previous.start;
    previous = t;
  }
  return undefined;
}

/**
 * A server never reads or writes its own files for a request: `INTO OUTFILE` and `FROM INFILE`
 * belong to clickhouse-client and clickhouse-local, which chDB is.
 */
function refuseFileClauses(sql: string): void {
  if (hasKeywordSequence(sql, ['INTO', 'OUTFILE'])) throw ClickHouseHttpError.of('INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed');
  if (hasKeywordSequence(sql, ['FROM', 'INFILE'])) throw ClickHouseHttpError.of('NOT_IMPLEMENTED', 'FROM INFILE is not allowed over HTTP: send the data as the request body');
}

/** A ClickHouse string literal. */
export function quoteString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function quoteIdentifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}
