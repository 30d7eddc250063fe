import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleRows } from '../../../../test/helpers/table-rows.js';
import { ClickHouseStore } from '../ClickHouseStore.js';
import { MIGRATIONS, MIGRATIONS_TABLE, migrationStatements } from '../migrations.js';
import { Ddl } from './ddl.js';
import { ALL_TABLES } from './all-tables.js';
import { SCHEMA_MIGRATIONS } from './schema-migrations.js';
import { decodeRows, encodeRows, type AnyTableDefinition, type TableDefinition } from './TableDefinition.js';
import { ALERT_EVENTS } from './alert-events.js';
import { ALERT_NOTIFICATIONS } from './alert-notifications.js';
import { ALERT_STATE } from './alert-state.js';
import { DATA_QUALITY_RESULTS } from './data-quality-results.js';
import { DRIFT_RESULTS } from './drift-results.js';
import { FEEDBACK } from './feedback.js';
import { OTEL_LOGS } from './otel-logs.js';
import { OTEL_TRACES } from './otel-traces.js';
import { PREDICTIONS } from './predictions.js';
import { QUALITY_RESULTS } from './quality-results.js';
import { REFERENCE_PROFILES } from './reference-profiles.js';
import { SLA_RESULTS } from './sla-results.js';
import { readAlertHistory } from '../repositories/alert-events.js';
import { readNotifications } from '../repositories/alert-notifications.js';
import { readActiveAlerts } from '../repositories/alert-state.js';
import { readDataQualityResults } from '../repositories/data-quality-results.js';
import { readDriftResults } from '../repositories/drift-results.js';
import { newestFeedbackOf } from '../repositories/feedback.js';
import { readCheckpoint, writeCheckpoint } from '../repositories/job-checkpoints.js';
import { readModelActivity } from '../repositories/model-activity.js';
import { listLogs } from '../repositories/otel-logs.js';
import { spansOfTrace } from '../repositories/otel-traces.js';
import { listPredictions } from '../repositories/predictions.js';
import { readQualityResults } from '../repositories/quality-results.js';
import { referenceOf } from '../repositories/reference-profiles.js';
import { readSlaResults } from '../repositories/sla-results.js';

// A data directory made by the first release (main at 6aef2b1: migrations 1 to 9, their DDL
// frozen verbatim in fixtures/main-v9.sql), holding rows written then, opened by the current
// code: migrations leave its structure alone, it equals what the current definitions create,
// its old rows read through the current definitions, and every table takes new rows.

const FIXTURE = join(import.meta.dirname, 'fixtures/main-v9.sql');

/** The fixture's statements: the bootstrap, then each migration's, with its version and name. */
function frozenMigrations(): { bootstrap: string[]; migrations: Array<{ version: number; name: string; statements: string[] }> } {
  const bootstrap: string[] = [];
  const migrations: Array<{ version: number; name: string; statements: string[] }> = [];
  let current = bootstrap;
  let statement = '';
  for (const line of readFileSync(FIXTURE, 'utf8').split('\n')) {
    const header = /^-- migration (\d+): (.*)$/.exec(line);
    if (header) {
      migrations.push({ version: Number(header[1]), name: header[2]!, statements: (current = []) });
      continue;
    }
    if (line.startsWith('--') && statement === '') continue;
    statement += (statement ? '\n' : '') + line;
    if (line.endsWith(';')) {
      current.push(statement.slice(0, -1));
      statement = '';
    }
  }
  return { bootstrap, migrations };
}

let dataDir: string;
let store: ClickHouseStore;

interface TableSchema {
  name: string;
  ddl: string;
}

/** Every table and view of `database` with its DDL as the engine keeps it, the database name taken out. */
async function schemaOf(database: string): Promise<TableSchema[]> {
  const rows = await store.query<{ name: string; create_table_query: string }>(
    'SELECT name, create_table_query FROM system.tables WHERE database = {database:String} ORDER BY name',
    { database },
  );
  const prefix = new RegExp(`\\b${database}\\.`, 'g');
  return rows.map((r) => ({ name: r.name, ddl: r.create_table_query.replace(prefix, '') }));
}

async function count(table: string): Promise<number> {
  const [row] = await store.query<{ n: string | number }>(`SELECT count() AS n FROM ${table}`);
  return Number(row!.n);
}

/** The rows of `table` read back as RowBinary through its definition. */
async function readAll(def: AnyTableDefinition): Promise<Array<Record<string, unknown>>> {
  const result = await store.client.exec({ query: `SELECT ${def.columns.map((c) => `\`${c}\``).join(', ')} FROM ${def.name} FORMAT RowBinary` });
  const chunks: Buffer[] = [];
  for await (const chunk of result.stream) chunks.push(chunk as Buffer);
  return decodeRows(def, Buffer.concat(chunks)) as Array<Record<string, unknown>>;
}

/** Tables written by the first release, and the rows it stored in them (0 for the tables it did not have). */
const OLD_ROWS = new Map<string, number>();
/** The tables the first release's DDL made (later migrations add the others). */
const FIRST_RELEASE_TABLES = new Set<string>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-compat-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  // What the first release's `migrate()` did, statement for statement.
  const frozen = frozenMigrations();
  for (const s of frozen.bootstrap) await store.command(s);
  for (const m of frozen.migrations) {
    for (const s of m.statements) await store.command(s);
    await store.command(`INSERT INTO ${MIGRATIONS_TABLE} (Version, Name) VALUES ({version:UInt32}, {name:String})`, { version: m.version, name: m.name });
  }
  // Rows as that release stored them: random values of every column the tables do not default
  // (five rows at most: as many partitions), nested arrays of matching sizes, maps from arrays.
  const tables = await store.query<{ name: string; engine: string }>(
    "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' AND name NOT IN ('otel_traces_trace_id_ts', 'model_activity', {migrations:String})",
    { migrations: MIGRATIONS_TABLE },
  );
  for (const { name } of tables) {
    if (name === 'otel_traces') continue;
    const columns = await store.query<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} AND default_kind = '' ORDER BY position",
      { table: name },
    );
    const structure = columns.map((c) => `\`${c.name}\` ${c.type}`).join(', ');
    await store.command(
      `INSERT INTO ${name} (${columns.map((c) => `\`${c.name}\``).join(', ')}) SELECT * FROM generateRandom({structure:String}, 7, 10, 3) LIMIT 5`,
      { structure },
    );
  }
  await store.command(`INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, Duration, Events.Timestamp, Events.Name, Events.Attributes, Project)
    VALUES (now64(9), '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 'predict', 'svc', 1000, [now64(9)], ['first-token'], [map('k', 'v')], 'p')`);
  await store.command(`INSERT INTO predictions_ingest (Timestamp, PredictionId, Project, ModelName, ModelVersion, NumericFeatureKeys, NumericFeatureValues, AttributeKeys, AttributeValues)
    VALUES (now64(9), 'via-ingest', 'p', 'm', 'v1', ['x'], [1.5], ['a'], ['b'])`);
  // Tables of later migrations do not exist yet: none of their rows.
  for (const t of await store.query<{ name: string }>('SELECT name FROM system.tables WHERE database = currentDatabase()')) FIRST_RELEASE_TABLES.add(t.name);
  for (const def of ALL_TABLES) OLD_ROWS.set(def.name, FIRST_RELEASE_TABLES.has(def.name) ? await count(def.name) : 0);
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("a data directory made by the first release's migrations", () => {
  it('upgrades without a change of structure: the current migrations have nothing to do there', async () => {
    const before = await schemaOf('default');
    expect(before.length).toBeGreaterThan(20);
    const newer = MIGRATIONS.filter((m) => m.version > 9).map((m) => m.version);
    expect(await store.migrate()).toEqual(newer);
    expect(await store.migrate()).toEqual([]);
    if (newer.length === 0) expect(await schemaOf('default')).toEqual(before);
    // Each later migration records itself; no other table's rows change.
    for (const def of ALL_TABLES) expect(await count(def.name), def.name).toBe(OLD_ROWS.get(def.name)! + (def.name === MIGRATIONS_TABLE ? newer.length : 0));
    OLD_ROWS.set(MIGRATIONS_TABLE, OLD_ROWS.get(MIGRATIONS_TABLE)! + newer.length);
  });

  it('has exactly the tables, columns, codecs, indexes, engines and views the current definitions create', async () => {
    await store.command('CREATE DATABASE IF NOT EXISTS fresh');
    const ddl = new Ddl({ kind: 'single', database: 'fresh' });
    for (const s of ddl.table(SCHEMA_MIGRATIONS)) await store.command(s);
    for (const m of MIGRATIONS) for (const s of migrationStatements(m, ddl)) await store.command(s);
    const upgraded = await schemaOf('default');
    const fresh = await schemaOf('fresh');
    expect(fresh.map((t) => t.name)).toEqual(upgraded.map((t) => t.name));
    for (const [i, t] of fresh.entries()) expect(t.ddl, t.name).toBe(upgraded[i]!.ddl);
  });

  it("reads the rows the first release stored through the current definitions", async () => {
    for (const def of ALL_TABLES.filter((d) => d.columns.length > 0)) {
      const rows = await readAll(def);
      expect(rows.length, def.name).toBe(await count(def.name));
      // Tables of later migrations hold nothing the first release stored.
      if (FIRST_RELEASE_TABLES.has(def.name)) expect(rows.length, def.name).toBeGreaterThan(0);
    }
    // The first release's JSON path: a row through predictions_ingest and its view.
    const [viaIngest] = (await readAll(ALL_TABLES.find((d) => d.name === 'predictions')!)).filter((r) => r.PredictionId === 'via-ingest');
    expect(viaIngest).toMatchObject({ NumericFeatures: { x: 1.5 }, Attributes: { a: 'b' }, ModelVersion: 'v1' });
  });

  it('takes new rows in every table, written by the current definitions, and gives them back unchanged', async () => {
    for (const def of ALL_TABLES.filter((d) => d.columns.length > 0)) {
      const rows = sampleRows(def, 5, def.name.length);
      await store.insertRowBinary(def, [encodeRows(def, rows)]);
      const stored = await readAll(def);
      expect(stored.length, def.name).toBe(OLD_ROWS.get(def.name)! + 5);
      for (const row of rows) expect(stored, def.name).toContainEqual(row);
    }
    // The views fill their tables from the new rows too.
    expect(await count('otel_traces_trace_id_ts')).toBeGreaterThan(OLD_ROWS.get('otel_traces_trace_id_ts')!);
    const [activity] = await store.query<{ n: string | number }>('SELECT count() AS n FROM model_activity FINAL');
    expect(Number(activity!.n)).toBeGreaterThan(OLD_ROWS.get('model_activity')!);
  });

  it('answers the read modules with rows written by name into the upgraded tables', async () => {
    const t = Date.now() - 3_600_000;
    const one = <R>(def: TableDefinition<R>, fields: Partial<R>): R => ({ ...sampleRows(def, 1, 42)[0]!, ...fields });
    // Segment '' (the whole window's rows): what the read modules answer when no segment is asked for.
    const window = { Project: 'compat', ModelName: 'm', ModelVersion: 'v1', Segment: '', WindowStart: t, WindowEnd: t + 60_000 };
    const filter = { project: 'compat', model: 'm', limit: 100 };
    await store.insert(DRIFT_RESULTS, [one(DRIFT_RESULTS, { ...window, Source: 'feature', Feature: 'x', Statistic: 0.25 })]);
    expect(await readDriftResults(store, filter)).toMatchObject([{ ModelVersion: 'v1', Feature: 'x', Statistic: 0.25, windowStart: String(t) }]);
    await store.insert(DATA_QUALITY_RESULTS, [one(DATA_QUALITY_RESULTS, { ...window, Metric: 'missing_rate', Value: 0.5 })]);
    expect(await readDataQualityResults(store, filter)).toMatchObject([{ Metric: 'missing_rate', Value: 0.5 }]);
    await store.insert(SLA_RESULTS, [one(SLA_RESULTS, { ...window, Slo: 'latency', Breached: true, ErrorRate: 0.125 })]);
    expect(await readSlaResults(store, filter)).toMatchObject([{ Slo: 'latency', Breached: 1, ErrorRate: 0.125 }]);
    await store.insert(QUALITY_RESULTS, [one(QUALITY_RESULTS, { ...window, Accuracy: 0.75 })]);
    expect(await readQualityResults(store, filter)).toMatchObject([{ Accuracy: 0.75, windowEnd: String(t + 60_000) }]);

    const ns = `${Math.floor(t / 1000)}.000000000`;
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await store.insert(PREDICTIONS, [one(PREDICTIONS, { Project: 'compat', ModelName: 'm', ModelVersion: 'v1', PredictionId: 'p-1', TraceId: traceId, Timestamp: ns })]);
    expect(await listPredictions(store, { project: 'compat', limit: 10 })).toMatchObject([{ PredictionId: 'p-1', TraceId: traceId }]);
    expect(await readModelActivity(store, { project: 'compat' })).toMatchObject([{ ModelName: 'm', ModelVersion: 'v1' }]);
    await store.insert(FEEDBACK, [one(FEEDBACK, { Project: 'compat', PredictionId: 'p-1', Label: 'yes', Value: null })]);
    expect(await newestFeedbackOf(store, 'compat', 'p-1')).toMatchObject([{ PredictionId: 'p-1', Label: 'yes', Value: null }]);
    await store.insert(OTEL_TRACES, [one(OTEL_TRACES, { TraceId: traceId, SpanName: 'predict', Timestamp: ns })]);
    expect((await spansOfTrace(store, traceId)).map((r) => r.SpanName)).toContain('predict');
    await store.insert(OTEL_LOGS, [one(OTEL_LOGS, { Project: 'compat', Body: 'hello', Timestamp: ns })]);
    expect(await listLogs(store, { project: 'compat', limit: 10 })).toMatchObject([{ body: 'hello' }]);
    await store.insert(REFERENCE_PROFILES, [one(REFERENCE_PROFILES, { Project: 'compat', ModelName: 'm', ModelVersion: 'v1', ReferenceId: 'r-1', Deleted: false })]);
    expect(await referenceOf(store, 'compat', 'm', 'v1')).toMatchObject({ referenceId: 'r-1' });
    await writeCheckpoint(store, 'compat-job', { project: 'compat', model: 'm', version: 'v1' }, t);
    expect(await readCheckpoint(store, 'compat-job', { project: 'compat', model: 'm', version: 'v1' })).toBe(t);
    await store.insert(ALERT_EVENTS, [one(ALERT_EVENTS, { Rule: 'CompatRule', Time: t })]);
    expect(await readAlertHistory(store, { rule: 'CompatRule', limit: 10 })).toMatchObject([{ Rule: 'CompatRule', t: String(t) }]);
    await store.insert(ALERT_NOTIFICATIONS, [one(ALERT_NOTIFICATIONS, { Receiver: 'compat-hook', Status: 'sent' })]);
    expect(await readNotifications(store, { receiver: 'compat-hook', limit: 10 })).toMatchObject([{ Receiver: 'compat-hook' }]);
    await store.insert(ALERT_STATE, [one(ALERT_STATE, { Fingerprint: 'compat-fp', State: 'firing', Deleted: false, UpdatedAt: Date.now() + 86_400_000 })]);
    expect((await readActiveAlerts(store)).map((a) => a.Fingerprint)).toContain('compat-fp');
  });
});
