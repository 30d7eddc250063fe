import type { AstNode, EngineParser, ExecutionPolicy, PreparedStatement } from './ChdbHttpExecutor.js';
import { ClickHouseHttpError } from './ClickHouseHttpError.js';
import type { ClickHouseHttpRequest } from './http-request.js';
import { additionalTableFilters, type TableScope } from './project-scope.js';
import { hasKeywordSequence, statementShape } from './sql-scan.js';

/**
 * Scalar functions that reach files, URLs, other servers, dictionaries (whose sources may be
 * any of these), the host or the client's connection (lower case). Besides these, every name of
 * a table function but those of {@link ALLOWED_TABLE_FUNCTIONS} is refused as a scalar function
 * too (`file`, `url`, ...), from the engine's own list (`system.table_functions`) and this one.
 */
export const REFUSED_FUNCTIONS: ReadonlySet<string> = new Set([
  'file', 'filecluster', 'url', 'urlcluster', 'remote', 'remotesecure', 'cluster', 'clusterallreplicas',
  's3', 's3cluster', 'gcs', 'oss', 'cosn', 'azureblobstorage', 'azureblobstoragecluster', 'hdfs', 'hdfscluster',
  'mysql', 'postgresql', 'sqlite', 'mongodb', 'redis', 'odbc', 'jdbc', 'executable', 'input', 'merge', 'loop',
  'dictionary', 'joinget', 'joingetornull', 'mergetreeindex', 'mergetreeprojection', 'mergetreeanalyzeindexes', 'mergetreeparts', 'mergetreetextindex',
  'iceberg', 'deltalake', 'hudi', 'paimon', 'arrowflight', 'arrowstream', 'ytsaurus', 'filesystem', 'eval', 'python',
  'timeseriesdata', 'timeseriesmetrics', 'timeseriestags', 'timeseriesselector', 'timeseriessamples', 'viewifpermitted', 'viewexplain', 'catboostevaluate', 'prometheusquery', 'prometheusqueryrange',
  'filesystemavailable', 'filesystemcapacity', 'filesystemunreserved', 'getclienthttpheader', 'getserversetting', 'getmergetreesetting', 'getmacro',
  'showcertificate', 'getoskernelversion', 'serveruuid', 'fuzzquery', 'fuzzjson', '__getscalar', '__scalarsubqueryresult', 'globalvariable', 'sleep', 'sleepeachrow',
  // Metadata of any database, and functions that read files named in the server's configuration.
  'hascolumnintable', 'lemmatize', 'stem', 'synonyms',
  'naivebayesclassifier', 'evalmlmethod', 'modelevaluate', 'transactionid', 'transactionlatestsnapshot', 'transactionoldestsnapshot',
]);
/** Prefixes of refused function names: dictionaries (any source), lakes and object stores. */
const REFUSED_PREFIXES = ['dictget', 'dicthas', 'dictisin', 'iceberg', 'deltalake', 'hudi', 'paimon', 'azureblob', 'hdfs', 's3', 'remote', 'cluster', 'mergetree', 'timeseries', 'prometheus', 'url'];
/** Scalar functions whose names start with a refused prefix but are pure string or number functions. */
const PURE_DESPITE_PREFIX = new Set(['urlhash', 'urlhierarchy', 'urlpathhierarchy', 'icebergbucket', 'iceberghash', 'icebergtruncate', 'timeseriescopytag', 'timeseriescopytags', 'timeseriesjointags', 'timeseriesdeltatogrid', 'timeseriesinstantdeltatogrid', 'timeseriespredictlineartogrid', 'timeseriesthrowduplicateseriesif', 'timeseriesinstantratetogrid', 'timeseriesratetogrid', 'timeseriesresampletogridwithstaleness', 'timeseriesextrapolateddeltatogrid', 'timeseriesextrapolatedratetogrid', 'timeseriesgroupgrid', 'timeseriesfromgrid', 'timeseriesrange', 'timeseriesidtotags', 'timeseriesidtogroup', 'timeseriesstoretags']);
/** Table functions a query may read (lower case): generated rows only. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'generate_series', 'generateseries', 'primes', 'values', 'generaterandom', 'null']);

/**
 * Output formats this interface writes (lower case): those `@clickhouse/client` and Grafana's
 * plugin read. Formats that read a schema or template file (Template, CapnProto, Protobuf, ...)
 * are not among them.
 */
export const ALLOWED_FORMATS: ReadonlySet<string> = new Set(
  [
    'JSON', 'JSONStrings', 'JSONCompact', 'JSONCompactStrings', 'JSONColumns', 'JSONCompactColumns', 'JSONColumnsWithMetadata', 'JSONObjectEachRow',
    'JSONEachRow', 'JSONStringsEachRow', 'JSONLines', 'NDJSON', 'JSONEachRowWithProgress', 'JSONStringsEachRowWithProgress',
    'JSONCompactEachRow', 'JSONCompactEachRowWithNames', 'JSONCompactEachRowWithNamesAndTypes',
    'JSONCompactStringsEachRow', 'JSONCompactStringsEachRowWithNames', 'JSONCompactStringsEachRowWithNamesAndTypes',
    'TabSeparated', 'TSV', 'TabSeparatedRaw', 'TSVRaw', 'Raw', 'TabSeparatedWithNames', 'TSVWithNames', 'TabSeparatedWithNamesAndTypes', 'TSVWithNamesAndTypes',
    'TabSeparatedRawWithNames', 'TSVRawWithNames', 'TabSeparatedRawWithNamesAndTypes', 'TSVRawWithNamesAndTypes',
    'CSV', 'CSVWithNames', 'CSVWithNamesAndTypes',
    'RowBinary', 'RowBinaryWithNames', 'RowBinaryWithNamesAndTypes', 'Native', 'Null',
  ].map((f) => f.toLowerCase()),
);

/**
 * Settings a client may send (the URL's other parameters): what `@clickhouse/client` and
 * Grafana's plugin (clickhouse-go over HTTP) send, and harmless output and limit settings.
 * The settings {@link ReadOnlyPolicyOptions} forces are accepted too and replaced by the forced
 * values. Everything else (format settings that name files, `dialect`, ...) is refused.
 */
export const ALLOWED_SETTINGS: ReadonlySet<string> = new Set([
  'enable_http_compression', 'http_zlib_compression_level', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'wait_end_of_query',
  'cancel_http_readonly_queries_on_client_close', 'http_write_exception_in_output_format', 'http_response_buffer_size',
  // Grafana's plugin sends its row limit as `limit`, and the data source's custom settings.
  'limit', 'offset', 'max_execution_time', 'timeout_before_checking_execution_speed', 'max_block_size', 'max_threads', 'max_result_rows', 'max_rows_to_read', 'max_bytes_to_read',
  'max_rows_to_group_by', 'group_by_overflow_mode', 'max_bytes_before_external_group_by', 'max_bytes_before_external_sort', 'max_rows_in_join', 'max_bytes_in_join',
  'date_time_output_format', 'session_timezone', 'date_time_input_format', 'output_format_decimal_trailing_zeros', 'output_format_write_statistics',
  'extremes', 'join_use_nulls', 'final', 'log_comment', 'use_query_cache', 'enable_analyzer', 'allow_experimental_analyzer', 'prefer_column_name_to_alias',
  'output_format_native_encode_types_in_binary_format', 'output_format_native_write_json_as_string', 'output_format_binary_encode_types_in_binary_format',
  'output_format_binary_write_json_as_string', 'allow_suspicious_low_cardinality_types', 'aggregate_functions_null_for_empty',
]);
/** Prefixes of allowed settings: JSON output options only. */
const ALLOWED_SETTING_PREFIXES = ['output_format_json_'];

/**
 * `EXPLAIN AST` node types a read may have. Any other (a columns `APPLY` transformer, which
 * hides the function it applies, a dictionary or storage definition, ...) is refused.
 */
const ALLOWED_NODES: ReadonlySet<string> = new Set([
  'SelectWithUnionQuery', 'SelectIntersectExceptQuery', 'SelectQuery', 'ExpressionList', 'Function', 'Identifier', 'Literal', 'Asterisk', 'QualifiedAsterisk',
  'ColumnsRegexpMatcher', 'ColumnsListMatcher', 'QualifiedColumnsRegexpMatcher', 'QualifiedColumnsListMatcher', 'ColumnsTransformerList', 'ColumnsExceptTransformer',
  'ColumnsReplaceTransformer', 'ColumnsReplaceTransformer::Replacement', 'TablesInSelectQuery', 'TablesInSelectQueryElement', 'TableExpression', 'TableIdentifier',
  'TableJoin', 'ArrayJoin', 'Subquery', 'WithElement', 'OrderByElement', 'WindowDefinition', 'WindowListElement', 'InterpolateElement', 'SampleRatio', 'Set',
  'QueryParameter', 'DescribeQuery', 'ExistsTableQuery', 'ShowTables',
]);
/** Statement types (the root node) this interface runs. */
const ALLOWED_ROOTS = new Set(['SelectWithUnionQuery', 'DescribeQuery', 'ExistsTableQuery', 'ShowTables']);

/** Options of {@link readOnlyPolicy}. */
export interface ReadOnlyPolicyOptions {
  /** The one database queries may read (Inferlens' tables). */
  database: string;
  /** The engine's other databases (`system`, `INFORMATION_SCHEMA`, ...): a name qualified by one of them is refused. */
  otherDatabases: readonly string[];
  /** The engine's table functions (`system.table_functions`): as scalar functions they are refused unless allowed as table functions. */
  tableFunctions?: readonly string[];
  /** `max_execution_time` in seconds (a client's smaller value stays). */
  maxExecutionSeconds: number;
  /** `max_memory_usage`, and `max_result_bytes`, in bytes. */
  maxMemoryBytes: number;
  /** Which of the database's tables are read, and which rows (see `tableScope`): by default every table, every row. */
  scope?: TableScope;
}

function refused(request: ClickHouseHttpRequest, message: string): ClickHouseHttpError {
  return ClickHouseHttpError.of('ACCESS_DENIED', `${request.credentials.user}: Not enough privileges: ${message}`);
}

function readonlyError(request: ClickHouseHttpRequest, message: string): ClickHouseHttpError {
  return ClickHouseHttpError.of('READONLY', `${request.credentials.user}: Cannot execute query in readonly mode: ${message}`);
}

const FORCED = ['max_execution_time', 'max_memory_usage', 'max_result_bytes', 'result_overflow_mode', 'readonly'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TABLE_NAME = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)?$/;

/** The name a node's detail starts with (up to the first space). */
function firstWord(detail: string): string {
  const space = detail.indexOf(' ');
  return space < 0 ? detail : detail.slice(0, space);
}

/**
 * The policy of the collector's ClickHouse HTTP interface over its embedded store: reads only,
 * only Inferlens' database, bounded in time and memory. The decision is made on the engine's own
 * parse, never on a scan of the text: the engine formats the statement (`formatQuerySingleLine`,
 * which refuses more than one statement), prints its syntax tree (`EXPLAIN AST`, query
 * parameters substituted), and the formatted text is what runs. Refused, with ClickHouse's
 * errors: any statement but SELECT (with WITH, UNION, subqueries), DESCRIBE, EXISTS and plain
 * SHOW TABLES (`READONLY`); a table of another database, `system` and `INFORMATION_SCHEMA`
 * included; a table function but generated rows ({@link ALLOWED_TABLE_FUNCTIONS}); a function
 * that reaches files, URLs, other servers or dictionaries ({@link REFUSED_FUNCTIONS}), however
 * quoted or cased; any syntax node outside a known set (`APPLY`) (`ACCESS_DENIED`); `INTO OUTFILE`
 * (`INTO_OUTFILE_NOT_ALLOWED`); output formats outside {@link ALLOWED_FORMATS}
 * (`UNKNOWN_FORMAT`); client settings outside {@link ALLOWED_SETTINGS} (`READONLY`). The engine
 * runs each query with the limits and `readonly = 1` set last, so neither the client nor the
 * statement's own `SETTINGS` can loosen them.
 */
export function readOnlyPolicy(options: ReadOnlyPolicyOptions): ExecutionPolicy {
  const ours = options.database;
  const scope = options.scope;
  const others = [...new Set(options.otherDatabases.map((d) => d.toLowerCase()).filter((d) => d !== ours.toLowerCase()))];
  const refusedScalars = new Set([...REFUSED_FUNCTIONS, ...(options.tableFunctions ?? []).map((f) => f.toLowerCase()).filter((f) => !ALLOWED_TABLE_FUNCTIONS.has(f) && f !== 'format')]);
  const isRefusedScalar = (fn: string) => refusedScalars.has(fn) || (!PURE_DESPITE_PREFIX.has(fn) && REFUSED_PREFIXES.some((p) => fn.startsWith(p)));
  const checkFormat = (request: ClickHouseHttpRequest, format: string, where: string) => {
    if (!ALLOWED_FORMATS.has(format.toLowerCase())) {
      throw ClickHouseHttpError.of('UNKNOWN_FORMAT', `${request.credentials.user}: the format ${format} (${where}) is not allowed here; use one of JSON, JSONEachRow, JSONCompact*, TabSeparated*, CSV*, RowBinary*, Native`);
    }
  };
  const namesOtherDatabase = (name: string) => {
    const lower = name.toLowerCase();
    return others.find((d) => lower === d || lower.startsWith(`${d}.`));
  };

  return {
    database: ours,
    check(statement: PreparedStatement, request: ClickHouseHttpRequest) {
      if (request.database !== undefined && request.database !== ours) {
        throw refused(request, `only the database ${ours} can be read here, not ${request.database}`);
      }
      if (statement.data !== undefined) throw readonlyError(request, 'this interface runs SELECT, DESCRIBE, EXISTS and SHOW TABLES only, no INSERT');
      if (request.defaultFormat !== undefined) checkFormat(request, request.defaultFormat, 'default_format');
      for (const [name] of request.settings) {
        if (!FORCED.includes(name) && !ALLOWED_SETTINGS.has(name) && !ALLOWED_SETTING_PREFIXES.some((p) => name.startsWith(p))) {
          throw readonlyError(request, `the setting ${name} cannot be set here (docs/grafana.md lists the settings a client may send)`);
        }
      }
      if (statement.sql.includes('\0')) throw ClickHouseHttpError.of('SYNTAX_ERROR', 'Syntax error: the query holds a NUL byte');
    },
    async inspect(statement: PreparedStatement, request: ClickHouseHttpRequest, parser: EngineParser) {
      const sql = await parser.format(statement.sql).catch((err: unknown) => {
        const e = ClickHouseHttpError.fromEngine(err);
        // The engine's message names the formatQuerySingleLine(...) call that parsed it: keep what concerns the query.
        throw new ClickHouseHttpError(e.code, e.type, e.message.replace(/\s*: In scope SELECT formatQuerySingleLine[\s\S]*$/, ''));
      });
      const nodes = await parser.explainAst(sql);
      const root = nodes[0];
      if (!root || !ALLOWED_ROOTS.has(root.type)) {
        throw readonlyError(request, `this interface runs SELECT, DESCRIBE, EXISTS and SHOW TABLES only, not ${root?.type ?? 'an empty statement'}`);
      }
      if (root.type === 'ShowTables' && !/^SHOW TABLES(?: FORMAT [A-Za-z0-9_]+)?$/.test(sql)) {
        throw readonlyError(request, `of the SHOW queries, only SHOW TABLES (of ${ours}) runs here`);
      }
      // The engine's text has no comments or heredocs, so the scan of it finds what the tree holds: a
      // file name is the one literal a statement has at depth 1.
      if (hasKeywordSequence(sql, ['INTO', 'OUTFILE']) || nodes.some((n) => n.depth === 1 && n.type === 'Literal')) {
        throw ClickHouseHttpError.of('INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed');
      }
      const shape = statementShape(sql);
      if (shape.multiStatement) throw ClickHouseHttpError.of('SYNTAX_ERROR', 'Syntax error: Multi-statements are not allowed');
      if (shape.outputFormat !== undefined) checkFormat(request, shape.outputFormat, 'FORMAT');
      nodes.forEach((node, i) => check(node, parentOf(nodes, i), root));
      return sql;

      function checkScope(table: string): void {
        if (!scope) return;
        if (scope.refusedTables.has(table) || (scope.onlyTables !== undefined && !scope.onlyTables.has(table))) {
          throw refused(request, `the table ${table} cannot be read here${scope.onlyTables ? ' (this interface reads one project: tables of projects and their rows only)' : ''}`);
        }
      }

      function check(node: AstNode, parent: AstNode | undefined, top: AstNode): void {
        if (!ALLOWED_NODES.has(node.type)) throw refused(request, `${node.type} is not allowed here`);
        switch (node.type) {
          case 'Function': {
            const name = firstWord(node.detail);
            if (!NAME.test(name)) throw refused(request, `the function ${name} is not allowed here`);
            const fn = name.toLowerCase();
            if (parent?.type === 'TableExpression') {
              if (!ALLOWED_TABLE_FUNCTIONS.has(fn)) throw refused(request, `the table function ${name}() is not allowed here; tables of ${ours} and generated rows (numbers, zeros, values, ...) only`);
            } else if (isRefusedScalar(fn)) {
              throw refused(request, `${name}() reaches files, URLs, other servers, dictionaries or the host and is not allowed here`);
            }
            return;
          }
          case 'TableIdentifier': {
            const name = firstWord(node.detail);
            const dot = name.indexOf('.');
            const rest = node.detail.slice(name.length);
            // The engine prints names unquoted: a name it printed with a space or odd characters is refused rather than guessed at.
            if (!TABLE_NAME.test(name) || !/^(?:$| \((?:alias|children) )/.test(rest) || (dot >= 0 && name.slice(0, dot) !== ours)) {
              throw refused(request, `the table ${name} cannot be read here, only tables of ${ours}`);
            }
            checkScope(dot >= 0 ? name.slice(dot + 1) : name);
            return;
          }
          case 'Identifier': {
            if (node.depth === 1 && top.type !== 'ExistsTableQuery') {
              // A statement's FORMAT.
              checkFormat(request, node.detail, 'FORMAT');
              return;
            }
            // `x IN system.one` reads a table through an identifier.
            const word = firstWord(node.detail);
            const other = namesOtherDatabase(word);
            if (other !== undefined) throw refused(request, `the database ${other} cannot be read here, only ${ours}`);
            // So may `x IN api_keys`: a name of a table not served is refused wherever it stands.
            const bare = word.toLowerCase().startsWith(`${ours.toLowerCase()}.`) ? word.slice(ours.length + 1) : word;
            if (scope?.refusedTables.has(bare)) checkScope(bare);
            return;
          }
          case 'ExistsTableQuery': {
            const db = firstDatabase(node);
            if (db !== '' && db !== ours) throw refused(request, `the database ${db} cannot be read here, only ${ours}`);
            return;
          }
          default:
            return;
        }
      }
    },
    forcedSettings(request) {
      const asked = Number(request.settings.find(([k]) => k === 'max_execution_time')?.[1]);
      const seconds = Number.isFinite(asked) && asked > 0 ? Math.min(asked, options.maxExecutionSeconds) : options.maxExecutionSeconds;
      return [
        ['max_execution_time', String(seconds)],
        ['max_memory_usage', String(options.maxMemoryBytes)],
        ['max_result_bytes', String(options.maxMemoryBytes)],
        ['result_overflow_mode', 'throw'],
        // One project's rows of every table read, subqueries, joins and `IN table` included.
        ...(scope && scope.rowFilters.size > 0 ? [['additional_table_filters', additionalTableFilters(scope.rowFilters)] as [string, string]] : []),
        ['readonly', '1'],
      ];
    },
  };
}

/** `ExistsTableQuery <database> <table>`: the database, empty when the statement names none. */
function firstDatabase(node: AstNode): string {
  return node.detail.slice(0, Math.max(0, node.detail.indexOf(' ')));
}

/** The nearest node before `i` one level up. */
function parentOf(nodes: readonly AstNode[], i: number): AstNode | undefined {
  const depth = nodes[i]!.depth;
  for (let j = i - 1; j >= 0; j--) if (nodes[j]!.depth === depth - 1) return nodes[j];
  return undefined;
}
