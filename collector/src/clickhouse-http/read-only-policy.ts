import type { ExecutionPolicy, PreparedStatement } from './ChdbHttpExecutor.js';
import { ClickHouseHttpError } from './ClickHouseHttpError.js';
import type { ClickHouseHttpRequest } from './http-request.js';
import { sqlTokens, type SqlToken } from './sql-scan.js';

/**
 * Functions and table functions that reach files, URLs, other servers, other databases or the
 * host (lower case): refused by {@link readOnlyPolicy} wherever they are called.
 */
export const REFUSED_FUNCTIONS: ReadonlySet<string> = new Set([
  'file', 'filecluster', 'url', 'urlcluster', 'remote', 'remotesecure', 'cluster', 'clusterallreplicas',
  's3', 's3cluster', 'gcs', 'oss', 'cosn', 'azureblobstorage', 'azureblobstoragecluster', 'hdfs', 'hdfscluster',
  'mysql', 'postgresql', 'sqlite', 'mongodb', 'redis', 'odbc', 'jdbc', 'executable', 'input', 'merge', 'loop',
  'dictionary', 'joinget', 'joingetornull', 'mergetreeindex', 'mergetreeprojection', 'mergetreeanalyzeindexes', 'mergetreeparts',
  'iceberg', 'icebergs3', 'icebergazure', 'iceberghdfs', 'icebergcluster', 'icebergs3cluster', 'icebergazurecluster', 'iceberglocal',
  'deltalake', 'deltalakecluster', 'deltalakeazure', 'deltalakes3', 'deltalakelocal', 'hudi', 'hudicluster', 'paimon', 'arrowflight', 'ytsaurus',
  'timeseriesdata', 'timeseriesmetrics', 'timeseriestags', 'timeseriesselector', 'viewifpermitted', 'catboostevaluate', 'prometheusquery',
]);
/** Prefixes of refused function names (dictionaries may read any source). */
const REFUSED_PREFIXES = ['dictget', 'dicthas', 'dictisin', 'iceberg', 'deltalake', 'hudi', 'paimon', 'azureblob', 'hdfs'];

/** Verbs a read-only interface runs. */
const ALLOWED_VERBS = new Set(['SELECT', 'WITH', '(', 'DESCRIBE', 'DESC', 'EXISTS', 'SHOW']);

/** Options of {@link readOnlyPolicy}. */
export interface ReadOnlyPolicyOptions {
  /** The one database queries may read (Inferlens' tables). */
  database: string;
  /** The engine's other databases (`system`, `INFORMATION_SCHEMA`, ...): a name qualified by one of them is refused. */
  otherDatabases: readonly string[];
  /** `max_execution_time` in seconds (a client's smaller value stays). */
  maxExecutionSeconds: number;
  /** `max_memory_usage`, and `max_result_bytes`, in bytes. */
  maxMemoryBytes: number;
}

/** The text of a name token: a quoted identifier without its quotes. */
function nameOf(t: SqlToken): string | undefined {
  if (t.kind === 'word') return t.text;
  if (t.kind === 'quoted') return t.text.slice(1, -1);
  return undefined;
}

function refused(message: string): ClickHouseHttpError {
  return ClickHouseHttpError.of('ACCESS_DENIED', message);
}

/**
 * The policy of the collector's ClickHouse HTTP interface over its embedded store: reads only,
 * only Inferlens' database, bounded in time and memory. Refused with ClickHouse's errors:
 * anything but SELECT / WITH / DESCRIBE / EXISTS / SHOW TABLES (`READONLY`); another database,
 * `system` and `INFORMATION_SCHEMA` included, and the functions of {@link REFUSED_FUNCTIONS}
 * (`ACCESS_DENIED`). The engine runs each query with `readonly = 1` besides, set last, so
 * neither the client nor the statement's own `SETTINGS` can loosen the limits.
 */
export function readOnlyPolicy(options: ReadOnlyPolicyOptions): ExecutionPolicy {
  const others = new Set(options.otherDatabases.map((d) => d.toLowerCase()).filter((d) => d !== options.database.toLowerCase()));
  return {
    check(statement: PreparedStatement, request: ClickHouseHttpRequest) {
      if (request.database !== undefined && request.database !== options.database) {
        throw refused(`${request.credentials.user}: Not enough privileges: only the database ${options.database} can be read here, not ${request.database}`);
      }
      if (statement.data !== undefined || !ALLOWED_VERBS.has(statement.shape.verb)) {
        throw ClickHouseHttpError.of('READONLY', `${request.credentials.user}: Cannot execute query in readonly mode: this interface runs SELECT, WITH, DESCRIBE, EXISTS and SHOW TABLES only`);
      }
      const tokens = [...sqlTokens(statement.sql)];
      if (statement.shape.verb === 'SHOW') {
        const what = tokens[1]?.text.toUpperCase();
        if (what !== 'TABLES' || tokens.some((t) => t.kind === 'word' && /^(FROM|IN)$/i.test(t.text))) {
          throw ClickHouseHttpError.of('READONLY', `${request.credentials.user}: Cannot execute query in readonly mode: of the SHOW queries, only SHOW TABLES (of ${options.database}) runs here`);
        }
      }
      tokens.forEach((t, i) => {
        const name = nameOf(t);
        if (name === undefined) return;
        const next = tokens[i + 1];
        if (next?.kind === 'punct' && next.text === '(' && t.kind === 'word') {
          const fn = name.toLowerCase();
          if (REFUSED_FUNCTIONS.has(fn) || REFUSED_PREFIXES.some((p) => fn.startsWith(p))) {
            throw refused(`${request.credentials.user}: Not enough privileges: ${name}() reaches files, URLs, other servers or other databases and is not allowed here`);
          }
        }
        if (next?.kind === 'punct' && next.text === '.' && others.has(name.toLowerCase()) && !(tokens[i - 1]?.kind === 'punct' && tokens[i - 1]!.text === '.')) {
          throw refused(`${request.credentials.user}: Not enough privileges: the database ${name} cannot be read here, only ${options.database}`);
        }
      });
    },
    forcedSettings(request) {
      const asked = Number(request.settings.find(([k]) => k === 'max_execution_time')?.[1]);
      const seconds = Number.isFinite(asked) && asked > 0 ? Math.min(asked, options.maxExecutionSeconds) : options.maxExecutionSeconds;
      return [
        ['max_execution_time', String(seconds)],
        ['max_memory_usage', String(options.maxMemoryBytes)],
        ['max_result_bytes', String(options.maxMemoryBytes)],
        ['result_overflow_mode', 'throw'],
        ['readonly', '1'],
      ];
    },
  };
}
