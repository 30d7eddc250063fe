import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleRows } from '../../../test/helpers/table-rows.js';
import { ClickHouseStore } from './ClickHouseStore.js';
import { rebuildTable, type MigrationTarget } from './rebuild-table.js';
import { Ddl } from './schema/ddl.js';
import { OTEL_TRACES, OTEL_TRACES_TRACE_ID_TS, OTEL_TRACES_TRACE_ID_TS_MV } from './schema/otel-traces.js';
import { encodeRows, type AnyTableDefinition } from './schema/TableDefinition.js';

// The rebuild that brings otel_traces to the exporter's keys (migration 19), on the real engine:
// from a table with the old keys and rows over many days, interrupted at every one of its
// statements and run again, it ends with the new keys, the same rows once each, and the trace id
// view still fed. The cluster variant runs on no cluster in CI: checked as text, and parsed by
// the engine's parser.

let dataDir: string;
let store: ClickHouseStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-rebuild-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** otel_traces as releases before migration 19 made it: the old keys, no ALIAS columns, no span name index. */
const OLD_TRACES: AnyTableDefinition = {
  ...OTEL_TRACES,
  definitions: Object.fromEntries(Object.entries(OTEL_TRACES.definitions).filter(([, c]) => c.alias === undefined)),
  layout: {
    ...OTEL_TRACES.layout,
    primaryKey: undefined,
    orderBy: '(ServiceName, SpanName, toDateTime(Timestamp))',
    indexes: OTEL_TRACES.layout.indexes!.filter((i) => !i.startsWith('idx_lower_span_name')),
  },
};
// Over three days: three partitions, each copied on its own.
const DAY_SECONDS = 86_400;
const ROWS = sampleRows(OTEL_TRACES, 60, 19).map((r, i) => ({ ...r, Timestamp: `${Math.floor(Date.now() / 1000) - (i % 3) * DAY_SECONDS}.${String(i).padStart(9, '0')}` }));

async function oldTableWithRows(): Promise<void> {
  for (const s of ['DROP VIEW IF EXISTS otel_traces_trace_id_ts_mv', 'DROP TABLE IF EXISTS otel_traces', 'DROP TABLE IF EXISTS otel_traces_trace_id_ts']) await store.command(s);
  for (const s of [...Ddl.SINGLE.table(OLD_TRACES), ...Ddl.SINGLE.table(OTEL_TRACES_TRACE_ID_TS), ...Ddl.SINGLE.view(OTEL_TRACES_TRACE_ID_TS_MV)]) await store.command(s);
  // Several inserts: several parts per partition.
  for (let i = 0; i < ROWS.length; i += 20) await store.insertRowBinary(OTEL_TRACES, [encodeRows(OTEL_TRACES, ROWS.slice(i, i + 20))]);
}

async function keys(): Promise<{ sorting_key: string; primary_key: string }> {
  const [row] = await store.query<{ sorting_key: string; primary_key: string }>(
    "SELECT sorting_key, primary_key FROM system.tables WHERE database = currentDatabase() AND name = 'otel_traces'",
  );
  return row!;
}

/** Every stored row, in a stable order, as text. */
async function rows(): Promise<string[]> {
  const stored = await store.query<Record<string, unknown>>(`SELECT ${OTEL_TRACES.columns.map((c) => `\`${c}\``).join(', ')} FROM otel_traces`);
  return stored.map((r) => JSON.stringify(r)).sort();
}

async function tablesLike(pattern: string): Promise<string[]> {
  const found = await store.query<{ name: string }>('SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE {p:String} ORDER BY name', { p: pattern });
  return found.map((t) => t.name);
}

/** The store, failing at its `failAt`-th command (counting from 0) as if the process died there. */
function failingAt(failAt: number): MigrationTarget & { commands: string[] } {
  const commands: string[] = [];
  return {
    commands,
    query: (sql, params) => store.query(sql, params),
    command: async (sql, params) => {
      if (commands.length === failAt) throw new Error(`interrupted before: ${sql.slice(0, 60)}`);
      commands.push(sql);
      await store.command(sql, params);
    },
  };
}

describe('rebuildTable, one node', () => {
  it('brings a table to the new keys with every row once, and the view on it still fed', async () => {
    await oldTableWithRows();
    const before = await rows();
    expect(before).toHaveLength(ROWS.length);
    const partitions = await store.query("SELECT DISTINCT partition FROM system.parts WHERE database = currentDatabase() AND table = 'otel_traces' AND active");
    expect(partitions.length).toBeGreaterThanOrEqual(3);
    expect(await keys()).toEqual({ sorting_key: 'ServiceName, SpanName, toDateTime(Timestamp)', primary_key: 'ServiceName, SpanName, toDateTime(Timestamp)' });

    expect(await rebuildTable(store, Ddl.SINGLE, OTEL_TRACES, 'rebuild_test')).toBe(true);
    expect(await keys()).toEqual({ sorting_key: 'ServiceName, SpanName, toDateTime(Timestamp), Timestamp', primary_key: 'ServiceName, SpanName, toDateTime(Timestamp)' });
    expect(await rows()).toEqual(before);
    expect(await tablesLike('otel_traces_rebuild%')).toEqual([]);
    // The same structure as a table made from the definition.
    const [made] = await store.query<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'otel_traces'");
    await store.command('CREATE DATABASE IF NOT EXISTS fresh');
    for (const s of new Ddl({ kind: 'single', database: 'fresh' }).table(OTEL_TRACES)) await store.command(s);
    const [fresh] = await store.query<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = 'fresh' AND name = 'otel_traces'");
    expect(made!.q.replace(/\bdefault\./g, '')).toBe(fresh!.q.replace(/\bfresh\./g, ''));
    // The trace id view reads the new table.
    const [span] = sampleRows(OTEL_TRACES, 1, 7);
    await store.insert(OTEL_TRACES, [{ ...span!, TraceId: 'after-rebuild' }]);
    const [fed] = await store.query<{ n: string | number }>("SELECT count() AS n FROM otel_traces_trace_id_ts WHERE TraceId = 'after-rebuild'");
    expect(Number(fed!.n)).toBe(1);

    // Again: the keys are there, nothing to do.
    const again = failingAt(-1);
    expect(await rebuildTable(again, Ddl.SINGLE, OTEL_TRACES, 'rebuild_test')).toBe(false);
    expect(again.commands).toEqual([]);
  });

  it('run by three collectors at once, ends with every row once: a copy is whole or never swapped in', async () => {
    for (let round = 0; round < 2; round++) {
      await oldTableWithRows();
      const before = await rows();
      const outcomes = await Promise.allSettled([0, 1, 2].map(() => rebuildTable(store, Ddl.SINGLE, OTEL_TRACES, 'rebuild_test')));
      expect(outcomes.some((o) => o.status === 'fulfilled'), `round ${round}`).toBe(true);
      // A collector that failed starts again: nothing left to do but leftovers to drop.
      await rebuildTable(store, Ddl.SINGLE, OTEL_TRACES, 'rebuild_test');
      expect((await keys()).sorting_key).toBe('ServiceName, SpanName, toDateTime(Timestamp), Timestamp');
      expect(await rows(), `round ${round}`).toEqual(before);
      expect(await tablesLike('otel_traces_rebuild%')).toEqual([]);
    }
  });

  it('interrupted at any statement, a second run finishes it: new keys, every row once, no staging table left', async () => {
    await oldTableWithRows();
    const before = await rows();
    const full = failingAt(-1);
    await rebuildTable(full, Ddl.SINGLE, OTEL_TRACES, 'rebuild_test');
    const steps = full.commands.length;
    // create, one copy per partition (three), swap, drop
    expect(steps).toBe(6);
    for (let cut = 0; cut < steps; cut++) {
      await oldTableWithRows();
      await expect(rebuildTable(failingAt(cut), Ddl.SINGLE, OTEL_TRACES, 'rebuild_test'), `cut ${cut}`).rejects.toThrow(/interrupted/);
      expect(await rows(), `cut ${cut}: nothing lost while interrupted`).toEqual(before);
      await rebuildTable(store, Ddl.SINGLE, OTEL_TRACES, 'rebuild_test');
      expect((await keys()).sorting_key, `cut ${cut}`).toBe('ServiceName, SpanName, toDateTime(Timestamp), Timestamp');
      expect(await rows(), `cut ${cut}`).toEqual(before);
      expect(await tablesLike('otel_traces_rebuild%'), `cut ${cut}`).toEqual([]);
    }
  });

  it('refuses a table that does not exist', async () => {
    await expect(rebuildTable(store, Ddl.SINGLE, { ...OTEL_TRACES, name: 'no_such_table' }, 'x')).rejects.toThrow(/cannot rebuild no_such_table: the table does not exist/);
  });
});

describe('rebuildTable, a cluster (as text)', () => {
  const CLUSTER = new Ddl({ kind: 'cluster', cluster: 'prod', database: 'inferlens' });

  function fake(sortingKey: string): MigrationTarget & { commands: string[]; queries: string[] } {
    const commands: string[] = [];
    const queries: string[] = [];
    return {
      commands,
      queries,
      command: async (sql) => {
        commands.push(sql);
      },
      query: async <T>(sql: string) => {
        queries.push(sql);
        // Staging tables an interrupted rebuild left, on some node, and a name that only looks like one.
        if (sql.includes('startsWith(name')) return [{ name: 'otel_traces_rebuild19_0badc0de_local' }, { name: 'otel_traces_rebuild19_0badc0de' }, { name: 'otel_traces_rebuild19_mine' }] as T[];
        if (sql.includes('system.tables')) return [{ sorting_key: sortingKey, primary_key: 'ServiceName, SpanName, toDateTime(Timestamp)' }] as T[];
        if (sql.includes('system.columns')) return OTEL_TRACES.columns.map((name) => ({ name })) as T[];
        return [{ partition: '2026-01-01' }, { partition: '2026-01-02' }] as T[];
      },
    };
  }

  it('reads every replica, copies through the Distributed tables, swaps the local tables on the cluster, and makes the Distributed table again', async () => {
    const db = fake('ServiceName, SpanName, toDateTime(Timestamp)');
    expect(await rebuildTable(db, CLUSTER, OTEL_TRACES, 'rebuild19')).toBe(true);
    for (const q of db.queries) expect(q).toMatch(/FROM clusterAllReplicas\('prod', system\.\w+\) WHERE database = 'inferlens' AND ((name|table) = \{table:String\}|startsWith\(name, \{prefix:String\}\))/);
    // This run's staging tables: a name of its own.
    const own = /inferlens\.(otel_traces_rebuild19_[0-9a-f]{8})_local ON CLUSTER/.exec(db.commands[2]!)![1]!;
    expect(own).not.toBe('otel_traces_rebuild19_0badc0de');
    const c = db.commands.map((x) => x.replaceAll(own, 'STAGING'));
    expect(c.slice(0, 2)).toEqual([
      'DROP TABLE IF EXISTS inferlens.otel_traces_rebuild19_0badc0de ON CLUSTER `prod` SYNC',
      'DROP TABLE IF EXISTS inferlens.otel_traces_rebuild19_0badc0de_local ON CLUSTER `prod` SYNC',
    ]);
    expect(c[2]).toMatch(/^CREATE TABLE IF NOT EXISTS inferlens\.STAGING_local ON CLUSTER `prod` \([\s\S]*ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/inferlens\/STAGING_local', '\{replica\}'\)\nPARTITION BY toDate\(Timestamp\)\nPRIMARY KEY \(ServiceName, SpanName, toDateTime\(Timestamp\)\)\nORDER BY \(ServiceName, SpanName, toDateTime\(Timestamp\), Timestamp\)/);
    expect(c[3]).toMatch(/^CREATE TABLE IF NOT EXISTS inferlens\.STAGING ON CLUSTER `prod` AS inferlens\.STAGING_local\nENGINE = Distributed\('prod', 'inferlens', 'STAGING_local', rand\(\)\)$/);
    expect(c[4]).toMatch(/^INSERT INTO inferlens\.STAGING \(`Timestamp`, .*`Project`, `IngestKey`\) SELECT `Timestamp`, .* FROM inferlens\.otel_traces WHERE toDate\(Timestamp\) = \{partition:String\}$/);
    expect(c[5]).toBe(c[4]);
    expect(c.slice(6)).toEqual([
      'EXCHANGE TABLES inferlens.otel_traces_local AND inferlens.STAGING_local ON CLUSTER `prod`',
      "CREATE OR REPLACE TABLE inferlens.otel_traces ON CLUSTER `prod` AS inferlens.otel_traces_local\nENGINE = Distributed('prod', 'inferlens', 'otel_traces_local', rand())",
      'DROP TABLE IF EXISTS inferlens.STAGING ON CLUSTER `prod` SYNC',
      'DROP TABLE IF EXISTS inferlens.STAGING_local ON CLUSTER `prod` SYNC',
    ]);
    // Every statement parses in the engine's own parser.
    for (const s of [...c, ...db.queries]) await expect(store.query('SELECT formatQuery({q:String}) AS f', { q: s }), s.slice(0, 80)).resolves.toHaveLength(1);
    await expect(store.query('SELECT formatQuery({q:String}) AS f', { q: 'EXCHANGE TABLES ON CLUSTER' })).rejects.toThrow(/SYNTAX_ERROR|Syntax error/);
  });

  it('on a cluster whose local tables have the keys already, drops leftovers and only makes the Distributed table again', async () => {
    const db = fake('ServiceName, SpanName, toDateTime(Timestamp), Timestamp');
    expect(await rebuildTable(db, CLUSTER, OTEL_TRACES, 'rebuild19')).toBe(false);
    expect(db.commands.map((s) => /^[A-Z ]+inferlens\.\w+/.exec(s)![0])).toEqual([
      'DROP TABLE IF EXISTS inferlens.otel_traces_rebuild19_0badc0de',
      'DROP TABLE IF EXISTS inferlens.otel_traces_rebuild19_0badc0de_local',
      'CREATE OR REPLACE TABLE inferlens.otel_traces',
    ]);
  });
});
