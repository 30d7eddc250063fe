import { queryBind } from 'chdb';
import { describe, expect, it } from 'vitest';
import { schemaCommand } from './schema-command.js';
import { ALL_TABLES } from './store/schema/all-tables.js';

// `inferlens-collector schema`: the DDL as text, for one node and for a cluster. No cluster runs
// in CI: the cluster text is checked here and in store/schema/ddl.test.ts, never applied.

const statements = (text: string) => text.split(';\n').map((s) => s.replace(/^\s*(--[^\n]*\n)?\s*/, '').trim()).filter(Boolean);

describe('inferlens-collector schema', () => {
  it('prints the one-node DDL the collector applies: migrations table first, every table and view', () => {
    const out = schemaCommand([], {});
    expect(out.code).toBe(0);
    const list = statements(out.stdout!);
    expect(list[0]).toMatch(/^CREATE TABLE IF NOT EXISTS inferlens_schema_migrations \(/);
    expect(list.some((s) => / ON CLUSTER /.test(s))).toBe(false);
    for (const def of ALL_TABLES) expect(list.some((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${def.name} (`)), def.name).toBe(true);
    expect(list.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW')).length).toBeGreaterThanOrEqual(3);
    expect(statements(schemaCommand(['--database', 'obs'], {}).stdout!).slice(0, 2)).toEqual(['CREATE DATABASE IF NOT EXISTS obs', expect.stringMatching(/^CREATE TABLE IF NOT EXISTS obs\.inferlens_schema_migrations /)]);
  });

  it('prints the cluster DDL: database and every table ON CLUSTER, Replicated local tables with the macros, Distributed tables, prediction-id sharding', () => {
    const out = schemaCommand(['--cluster', 'prod', '--database', 'inferlens'], {});
    expect(out.code).toBe(0);
    const list = statements(out.stdout!);
    expect(list[0]).toBe('CREATE DATABASE IF NOT EXISTS inferlens ON CLUSTER `prod`');
    for (const s of list.filter((x) => x.startsWith('CREATE'))) expect(s).toContain(' ON CLUSTER `prod`');
    for (const def of ALL_TABLES) {
      expect(list.some((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS inferlens.${def.name}_local ON CLUSTER`)), def.name).toBe(true);
      expect(list.some((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS inferlens.${def.name} ON CLUSTER`) && s.includes(`ENGINE = Distributed('prod', 'inferlens', '${def.name}_local', `)), def.name).toBe(true);
    }
    const distributed = (name: string) => list.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS inferlens.${name} ON CLUSTER`))!;
    // A prediction and its feedback on the same shard.
    expect(distributed('predictions')).toMatch(/, cityHash64\(Project, PredictionId\)\)$/);
    expect(distributed('feedback')).toMatch(/, cityHash64\(Project, PredictionId\)\)$/);
    expect(list.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS inferlens.predictions_local'))).toContain("ReplicatedMergeTree('/clickhouse/tables/{shard}/inferlens/predictions_local', '{replica}')");
    // Every statement parses in the engine's own parser (formatQuery parses without running).
    for (const s of list) expect(() => queryBind('SELECT formatQuery({q:String})', { q: s }, 'TabSeparated'), s.slice(0, 80)).not.toThrow();
    expect(() => queryBind('SELECT formatQuery({q:String})', { q: 'CREATE TABLE ON CLUSTER' }, 'TabSeparated')).toThrow(/SYNTAX_ERROR|Syntax error/);
  });

  it('takes the cluster from the configuration, and refuses what it cannot print', () => {
    const env = { INFERLENS_CLICKHOUSE_URL: 'http://ch:8123', INFERLENS_CLICKHOUSE_CLUSTER: 'c1', INFERLENS_CLICKHOUSE_DATABASE: 'obs' };
    expect(statements(schemaCommand([], env).stdout!)[0]).toBe('CREATE DATABASE IF NOT EXISTS obs ON CLUSTER `c1`');
    expect(schemaCommand(['--cluster', 'c', '--database', 'a-b'], {})).toMatchObject({ code: 2, stderr: expect.stringMatching(/plain identifier/) });
    expect(schemaCommand(['--nope'], {})).toMatchObject({ code: 2, stderr: expect.stringMatching(/Unknown option '--nope'/) });
    expect(schemaCommand(['--help'], {})).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: inferlens-collector schema/) });
  });
});
