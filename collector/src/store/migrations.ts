/**
 * Versioned schema migrations, recorded in `inferlens_schema_migrations` once all of a
 * migration's statements succeed. Statements are `IF NOT EXISTS`, so a migration interrupted
 * half-way runs again safely. Migrations only ever get added.
 *
 * Tables and views are created from their definitions (`schema/`), for the store's topology
 * (`Ddl`: embedded and single server alike, or a cluster). A released migration's tables must
 * keep the structure they had when it was released: a definition that changes needs a new
 * migration that brings existing databases to it (`ALTER TABLE ... ADD COLUMN IF NOT EXISTS ...
 * AFTER ...`), and `schema/migration-compat.test.ts`, which upgrades a data directory made by
 * the first release's frozen DDL and compares it with a fresh one, fails until it does.
 */
import { rebuildTable, type MigrationTarget } from './rebuild-table.js';
import { Ddl } from './schema/ddl.js';
import { ALERT_COMPARE_LOOKS } from './schema/alert-compare-looks.js';
import { ALERT_EVENTS } from './schema/alert-events.js';
import { API_KEYS } from './schema/api-keys.js';
import { AUDIT_LOG } from './schema/audit-log.js';
import { ALERT_NOTIFICATIONS } from './schema/alert-notifications.js';
import { ALERT_STATE } from './schema/alert-state.js';
import { DATA_QUALITY_RESULTS } from './schema/data-quality-results.js';
import { DRIFT_RESULTS } from './schema/drift-results.js';
import { FEEDBACK } from './schema/feedback.js';
import { JOB_CHECKPOINTS } from './schema/job-checkpoints.js';
import { JOB_LEASES } from './schema/job-leases.js';
import { MODEL_ACTIVITY, MODEL_ACTIVITY_MV } from './schema/model-activity.js';
import { OTEL_LOGS } from './schema/otel-logs.js';
import { OTEL_METRICS_TABLES } from './schema/otel-metrics.js';
import { OTEL_TRACES, OTEL_TRACES_TRACE_ID_TS, OTEL_TRACES_TRACE_ID_TS_MV } from './schema/otel-traces.js';
import { PREDICTIONS, PREDICTIONS_INGEST, PREDICTIONS_INGEST_MV } from './schema/predictions.js';
import { QUALITY_RESULTS } from './schema/quality-results.js';
import { READINESS_PROBE } from './schema/readiness-probe.js';
import { REFERENCE_DATA } from './schema/reference-data.js';
import { REFERENCE_PROFILES } from './schema/reference-profiles.js';
import { SCHEMA_MIGRATIONS } from './schema/schema-migrations.js';
import { SLA_RESULTS } from './schema/sla-results.js';

/** One schema migration. */
export interface Migration {
  /** Strictly increasing version number. */
  version: number;
  /** Short human-readable name, stored beside the version. */
  name: string;
  /** Statements, run in order: given, or made for the store's topology. */
  statements: readonly string[] | ((ddl: Ddl) => readonly string[]);
  /**
   * A step that depends on what the database holds (a table rebuilt when its keys are not the
   * definition's), run after the statements; like them, safe to run again after an
   * interruption. A fresh database has nothing for it to do, so `inferlens-collector schema`
   * prints the statements only.
   */
  run?: (db: MigrationTarget, ddl: Ddl) => Promise<void>;
}

/** Name of the table that records applied migrations. */
export const MIGRATIONS_TABLE = SCHEMA_MIGRATIONS.name;

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'otel tables', statements: (d) => [...d.table(OTEL_TRACES), ...d.table(OTEL_TRACES_TRACE_ID_TS), ...d.view(OTEL_TRACES_TRACE_ID_TS_MV), ...d.table(OTEL_LOGS)] },
  { version: 2, name: 'predictions and feedback', statements: (d) => [...d.table(PREDICTIONS), ...d.table(FEEDBACK)] },
  { version: 3, name: 'predictions ingest view', statements: (d) => [...d.table(PREDICTIONS_INGEST), ...d.view(PREDICTIONS_INGEST_MV)] },
  {
    version: 4,
    name: 'references, drift results, job checkpoints',
    statements: (d) => [...d.table(REFERENCE_DATA), ...d.table(REFERENCE_PROFILES), ...d.table(DRIFT_RESULTS), ...d.table(JOB_CHECKPOINTS)],
  },
  { version: 5, name: 'sla and quality results', statements: (d) => [...d.table(SLA_RESULTS), ...d.table(QUALITY_RESULTS)] },
  { version: 6, name: 'alert events, state and notifications', statements: (d) => [...d.table(ALERT_EVENTS), ...d.table(ALERT_STATE), ...d.table(ALERT_NOTIFICATIONS)] },
  { version: 7, name: 'data quality results', statements: (d) => d.table(DATA_QUALITY_RESULTS) },
  { version: 8, name: 'model activity', statements: (d) => [...d.table(MODEL_ACTIVITY), ...d.view(MODEL_ACTIVITY_MV), ...d.backfill(MODEL_ACTIVITY_MV)] },
  { version: 9, name: 'readiness probe', statements: (d) => d.table(READINESS_PROBE) },
  { version: 10, name: 'estimated quality', statements: (d) => d.addColumn(QUALITY_RESULTS, 'Estimated') },
  { version: 11, name: 'job leases', statements: (d) => d.table(JOB_LEASES) },
  { version: 12, name: 'prediction embeddings', statements: (d) => d.addColumn(PREDICTIONS, 'Embedding') },
  { version: 13, name: 'api keys', statements: (d) => d.table(API_KEYS) },
  { version: 14, name: 'audit log', statements: (d) => d.table(AUDIT_LOG) },
  { version: 15, name: 'span id index', statements: (d) => d.addIndex(OTEL_TRACES, 'idx_span_id') },
  {
    version: 16,
    name: 'request keys',
    statements: (d) => [PREDICTIONS, OTEL_TRACES].flatMap((t) => [...d.addColumn(t, 'IngestKey'), ...d.addIndex(t, 'idx_ingest_key')]),
  },
  { version: 17, name: 'otel metrics tables', statements: (d) => OTEL_METRICS_TABLES.flatMap((t) => d.table(t)) },
  // The exporter's ScopeAttributes bloom filters (parts written before get them as they merge).
  { version: 18, name: 'otel_logs scope attribute indexes', statements: (d) => [...d.addIndex(OTEL_LOGS, 'idx_scope_attr_key'), ...d.addIndex(OTEL_LOGS, 'idx_scope_attr_value')] },
  // The exporter's keys (PRIMARY KEY without Timestamp, ORDER BY with it), ALIAS columns and
  // span name index: a new table, a copy and a swap (keys cannot be altered); nothing to do on
  // a table that has them.
  {
    version: 19,
    name: 'otel_traces exporter keys',
    statements: [],
    run: async (db, d) => {
      await rebuildTable(db, d, OTEL_TRACES, 'rebuild19');
    },
  },
  {
    version: 20,
    name: 'segments of window results',
    statements: (d) => [
      ...d.addSortingKeyColumn(DRIFT_RESULTS, 'Segment'),
      ...d.addSortingKeyColumn(DATA_QUALITY_RESULTS, 'Segment'),
      ...d.addSortingKeyColumn(QUALITY_RESULTS, 'Segment'),
    ],
  },
  { version: 21, name: 'reference labels and embeddings', statements: (d) => [...d.addColumn(REFERENCE_DATA, 'Label'), ...d.addColumn(REFERENCE_DATA, 'Embedding')] },
  { version: 22, name: 'alert compare looks', statements: (d) => d.table(ALERT_COMPARE_LOOKS) },
  // The duplicate check of plain log records and metric data points: request key and row number
  // (rows stored before have '' and 0, so no retry matches them).
  {
    version: 23,
    name: 'request keys and row numbers of logs and metrics',
    statements: (d) =>
      [OTEL_LOGS, ...OTEL_METRICS_TABLES].flatMap((t) => [...d.addColumn(t, 'IngestKey'), ...d.addColumn(t, 'IngestRow'), ...d.addIndex(t, 'idx_ingest_key')]),
  },
];

/** The statements of `migration` for `ddl`'s topology. */
export function migrationStatements(migration: Migration, ddl: Ddl = Ddl.SINGLE): readonly string[] {
  return typeof migration.statements === 'function' ? migration.statements(ddl) : migration.statements;
}

/**
 * Every statement that creates the schema for `ddl`'s topology, in the order the collector runs
 * them: the database (a named one on a cluster), the migrations table, then each migration's
 * statements. `inferlens-collector schema` prints them.
 */
export function schemaStatements(ddl: Ddl = Ddl.SINGLE): string[] {
  return [...ddl.database(), ...ddl.table(SCHEMA_MIGRATIONS), ...MIGRATIONS.flatMap((m) => migrationStatements(m, ddl))];
}
