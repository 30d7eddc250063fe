import { describe, expect, it } from 'vitest';
import { ChdbHttpExecutor } from './ChdbHttpExecutor.js';
import type { ClickHouseHttpRequest } from './http-request.js';
import { readOnlyPolicy } from './read-only-policy.js';

const policy = readOnlyPolicy({ database: 'default', otherDatabases: ['system', 'INFORMATION_SCHEMA', 'information_schema', 'default'], maxExecutionSeconds: 30, maxMemoryBytes: 1 << 30 });

function request(sql: string, extra: Partial<ClickHouseHttpRequest> = {}): ClickHouseHttpRequest {
  return { method: 'POST', body: Buffer.from(sql), params: {}, settings: [], credentials: { via: 'basic', user: 'grafana', password: 'x' }, ...extra };
}
function outcome(sql: string, extra: Partial<ClickHouseHttpRequest> = {}): string {
  const r = request(sql, extra);
  try {
    policy.check!(ChdbHttpExecutor.prepare(r), r);
    return 'ok';
  } catch (err) {
    return (err as { type: string }).type;
  }
}

describe('readOnlyPolicy', () => {
  it('lets reads of the store through, whatever names, strings and comments hold', () => {
    for (const sql of [
      'SELECT Events.Name FROM otel_traces',
      "SELECT 'system.tables', 'file(x)' -- FROM system.tables\nFROM predictions",
      'WITH t AS (SELECT 1 AS a) SELECT a FROM t',
      '(SELECT 1) UNION ALL (SELECT 2)',
      'SELECT count() FROM default.predictions',
      'DESCRIBE TABLE predictions',
      'EXISTS TABLE predictions',
      'SHOW TABLES',
      'SELECT URLHierarchy(x), urlDecode(y), number FROM numbers(3)',
      'SELECT toStartOfInterval(Timestamp, INTERVAL 60 second) AS time FROM predictions FORMAT JSON',
    ]) expect(outcome(sql), sql).toBe('ok');
  });

  it('refuses writes, other verbs and INSERT data as READONLY', () => {
    for (const sql of ['INSERT INTO predictions FORMAT JSONEachRow {"a":1}', 'ALTER TABLE predictions DELETE WHERE 1', 'SET readonly = 0', 'USE system', 'SHOW DATABASES', 'SHOW TABLES FROM system', 'GRANT ALL ON *.* TO x', 'BACKUP TABLE predictions TO Disk(\'a\', \'b\')']) {
      expect(outcome(sql), sql).toBe('READONLY');
    }
  });

  it('refuses other databases, however quoted or spaced, and functions that reach out, as ACCESS_DENIED', () => {
    for (const sql of [
      'SELECT * FROM system . tables',
      'SELECT * FROM `system`.tables',
      'SELECT * FROM "SYSTEM"."tables"',
      'SELECT * FROM Information_Schema.tables',
      "SELECT * FROM FILE ('/etc/passwd')",
      "SELECT * FROM urlCluster('c', 'http://x')",
      "SELECT dictGetOrDefault('d', 'a', 1, 0)",
      "SELECT joinGet('j', 'v', 1)",
      'SELECT * FROM loop(system, one)',
    ]) expect(outcome(sql), sql).toBe('ACCESS_DENIED');
    expect(outcome('SELECT 1', { database: 'system' })).toBe('ACCESS_DENIED');
    expect(outcome('SELECT 1', { database: 'default' })).toBe('ok');
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
