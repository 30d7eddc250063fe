import { describe, expect, it } from 'vitest';
import { ChdbHttpExecutor, type AstNode, type EngineParser } from './ChdbHttpExecutor.js';
import type { ClickHouseHttpRequest } from './http-request.js';
import { readOnlyPolicy } from './read-only-policy.js';

// The policy's decisions as pure logic: the request-level checks, and the decision on a syntax
// tree, here given as the engine printed it (`EXPLAIN AST`) for the query named. The same attacks
// run against the real engine over HTTP in test/e2e/clickhouse-http-attacks.test.ts.

const policy = readOnlyPolicy({ database: 'default', otherDatabases: ['system', 'INFORMATION_SCHEMA', 'information_schema', 'default'], tableFunctions: ['file', 'url', 'numbers', 'format'], maxExecutionSeconds: 30, maxMemoryBytes: 1 << 30 });

function request(sql: string, extra: Partial<ClickHouseHttpRequest> = {}): ClickHouseHttpRequest {
  return { method: 'POST', body: Buffer.from(sql), params: {}, settings: [], credentials: { via: 'basic', user: 'grafana', password: 'x' }, ...extra };
}
function checked(sql: string, extra: Partial<ClickHouseHttpRequest> = {}): string {
  const r = request(sql, extra);
  try {
    policy.check!(ChdbHttpExecutor.prepare(r), r);
    return 'ok';
  } catch (err) {
    return (err as { type: string }).type;
  }
}

/** A tree as `EXPLAIN AST` prints it, one node a line, depth by leading spaces. */
function tree(text: string): AstNode[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const depth = line.length - line.trimStart().length;
      const [type, ...rest] = line.trimStart().split(' ');
      return { depth, type: type!, detail: rest.join(' ') };
    });
}

async function inspected(canonical: string, ast: string): Promise<string> {
  const parser: EngineParser = { format: async () => canonical, explainAst: async () => tree(ast) };
  const r = request(canonical);
  try {
    return (await policy.inspect!(ChdbHttpExecutor.prepare(r), r, parser)) === canonical ? 'ok' : 'changed';
  } catch (err) {
    return (err as { type: string }).type;
  }
}

describe('readOnlyPolicy', () => {
  it('refuses INSERT data, another database, formats and client settings outside the allowlists before the engine sees them', () => {
    expect(checked('INSERT INTO predictions FORMAT JSONEachRow {"a":1}')).toBe('READONLY');
    expect(checked('SELECT 1', { database: 'system' })).toBe('ACCESS_DENIED');
    expect(checked('SELECT 1', { database: 'default' })).toBe('ok');
    expect(checked('SELECT 1', { defaultFormat: 'Template' })).toBe('UNKNOWN_FORMAT');
    expect(checked('SELECT 1', { defaultFormat: 'JSONCompactEachRowWithNamesAndTypes' })).toBe('ok');
    expect(checked('SELECT 1', { settings: [['format_template_row', '/etc/passwd']] })).toBe('READONLY');
    expect(checked('SELECT 1', { settings: [['dialect', 'kusto']] })).toBe('READONLY');
    expect(checked('SELECT 1', { settings: [['max_execution_time', '5'], ['max_memory_usage', '0'], ['readonly', '0'], ['output_format_json_quote_64bit_integers', '1']] })).toBe('ok');
    expect(checked("SELECT 'a\0b'")).toBe('SYNTAX_ERROR');
  });

  it('decides on the tree: a quoted or cased file() is a Function node like any other', async () => {
    const ast = `
SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 1)
   ExpressionList (children 2)
    Literal UInt64_1 (alias $x$)
    Function FiLe (children 1)
     ExpressionList (children 1)
      Literal '/etc/hostname'`;
    expect(await inspected("SELECT 1 AS `$x$`, FiLe('/etc/hostname')", ast)).toBe('ACCESS_DENIED');
    expect(await inspected("SELECT 1 AS `$x$`, lower('/etc/hostname')", ast.replace('FiLe', 'lower'))).toBe('ok');
  });

  it('allows tables of its database and generated rows, refuses other databases and table functions that reach out', async () => {
    const from = (table: string) => `
SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 2)
   ExpressionList (children 1)
    Asterisk
   TablesInSelectQuery (children 1)
    TablesInSelectQueryElement (children 1)
     TableExpression (children 1)
      ${table}`;
    expect(await inspected('SELECT * FROM predictions', from('TableIdentifier predictions (alias p)'))).toBe('ok');
    expect(await inspected('SELECT * FROM default.predictions', from('TableIdentifier default.predictions'))).toBe('ok');
    expect(await inspected('SELECT * FROM system.tables', from('TableIdentifier system.tables'))).toBe('ACCESS_DENIED');
    expect(await inspected('SELECT * FROM `a b`', from('TableIdentifier a b'))).toBe('ACCESS_DENIED');
    expect(await inspected('SELECT * FROM numbers(3)', from('Function numbers (children 1)'))).toBe('ok');
    expect(await inspected("SELECT * FROM format(JSONEachRow, '{}')", from('Function format (children 1)'))).toBe('ACCESS_DENIED');
    expect(await inspected("SELECT * FROM file('x')", from('Function file (children 1)'))).toBe('ACCESS_DENIED');
  });

  it('refuses INTO OUTFILE, formats outside the allowlist, node types it does not know, and statements but reads', async () => {
    const select = `
SelectWithUnionQuery (children 2)
 ExpressionList (children 1)
  SelectQuery (children 1)
   ExpressionList (children 1)
    Literal UInt64_1`;
    expect(await inspected("SELECT 1 INTO OUTFILE 'x'", `${select}\n Literal 'x'`)).toBe('INTO_OUTFILE_NOT_ALLOWED');
    expect(await inspected('SELECT 1 FORMAT Template', `${select}\n Identifier Template`)).toBe('UNKNOWN_FORMAT');
    expect(await inspected('SELECT 1 FORMAT JSON', `${select}\n Identifier JSON`)).toBe('ok');
    expect(await inspected('SELECT * APPLY(file) FROM t', `${select}\n    ColumnsApplyTransformer`)).toBe('ACCESS_DENIED');
    expect(await inspected('SHOW TABLES', 'ShowTables')).toBe('ok');
    expect(await inspected('SHOW TABLES FROM system', 'ShowTables (children 1)\n Identifier system')).toBe('READONLY');
    expect(await inspected('EXISTS TABLE system.tables', 'ExistsTableQuery system tables (children 2)\n Identifier system\n Identifier tables')).toBe('ACCESS_DENIED');
    expect(await inspected('EXISTS TABLE predictions', 'ExistsTableQuery  predictions (children 1)\n Identifier predictions')).toBe('ok');
    expect(await inspected('DROP TABLE predictions', 'DropQuery  predictions')).toBe('READONLY');
  });

  it('forces the bounds, keeps a smaller time limit of the client, and sets readonly last', () => {
    expect(policy.forcedSettings!(request('SELECT 1'))).toEqual([
      ['max_execution_time', '30'],
      ['max_memory_usage', String(1 << 30)],
      ['max_result_bytes', String(1 << 30)],
      ['result_overflow_mode', 'throw'],
      ['readonly', '1'],
    ]);
    expect(policy.forcedSettings!(request('SELECT 1', { settings: [['max_execution_time', '5']] }))[0]).toEqual(['max_execution_time', '5']);
    expect(policy.forcedSettings!(request('SELECT 1', { settings: [['max_execution_time', '0']] }))[0]).toEqual(['max_execution_time', '30']);
    expect(policy.forcedSettings!(request('SELECT 1', { settings: [['max_execution_time', '999']] }))[0]).toEqual(['max_execution_time', '30']);
  });
});
