import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrationStatements } from '../migrations.js';
import { ALL_TABLES } from './all-tables.js';
import { Ddl } from './ddl.js';
import { FEEDBACK } from './feedback.js';
import { MODEL_ACTIVITY_MV } from './model-activity.js';
import { OTEL_LOGS } from './otel-logs.js';
import { OTEL_METRICS_TABLES } from './otel-metrics.js';
import { OTEL_TRACES } from './otel-traces.js';
import { PREDICTIONS_INGEST, PREDICTIONS_INGEST_MV } from './predictions.js';
import { QUALITY_RESULTS } from './quality-results.js';
import { SCHEMA_MIGRATIONS } from './schema-migrations.js';

// The single-node DDL is checked against the engine (migration-compat.test.ts: it creates what
// the first release created). The cluster variant (clickhouse.cluster) runs on no cluster in CI; here it
// is checked as text: what the definitions give, and that every table of every migration gets one.

const CLUSTER = new Ddl({ kind: 'cluster', cluster: 'prod', database: 'inferlens' });

describe('Ddl, one node (embedded chDB, one server)', () => {
  it('writes a table as its definition says: columns in order, defaults, codecs, engine and keys', () => {
    expect(Ddl.SINGLE.table(FEEDBACK)).toEqual([
      `CREATE TABLE IF NOT EXISTS feedback (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    PredictionId String CODEC(ZSTD(1)),
    Project LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    Label String CODEC(ZSTD(1)),
    Value Nullable(Float64),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ReceivedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ReceivedAt)
ORDER BY (Project, PredictionId)`,
    ]);
  });

  it('groups the members of a Nested column, and qualifies names with a database when given one', () => {
    const [ddl] = new Ddl({ kind: 'single', database: 'other' }).table(OTEL_TRACES);
    expect(ddl).toMatch(/^CREATE TABLE IF NOT EXISTS other\.otel_traces \(/);
    expect(ddl).toContain(`    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
    Project LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    IngestKey String CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,`);
    expect(new Ddl({ kind: 'single', database: 'other' }).view(MODEL_ACTIVITY_MV)[0]).toBe(
      `CREATE MATERIALIZED VIEW IF NOT EXISTS other.model_activity_mv TO other.model_activity AS
SELECT Project, ModelName, ModelVersion, min(Timestamp) AS FirstTimestamp, max(Timestamp) AS LastTimestamp, max(ReceivedAt) AS LastReceivedAt
FROM other.predictions GROUP BY Project, ModelName, ModelVersion`,
    );
    expect(Ddl.SINGLE.database()).toEqual([]);
  });
});

describe('Ddl, a cluster', () => {
  it('makes a Replicated local table on every node and a Distributed table over it, sharded by key for a merging engine', () => {
    expect(CLUSTER.database()).toEqual(['CREATE DATABASE IF NOT EXISTS inferlens ON CLUSTER `prod`']);
    expect(CLUSTER.table(FEEDBACK)).toEqual([
      `CREATE TABLE IF NOT EXISTS inferlens.feedback_local ON CLUSTER \`prod\` (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    PredictionId String CODEC(ZSTD(1)),
    Project LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    Label String CODEC(ZSTD(1)),
    Value Nullable(Float64),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ReceivedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/inferlens/feedback_local', '{replica}', ReceivedAt)
ORDER BY (Project, PredictionId)`,
      `CREATE TABLE IF NOT EXISTS inferlens.feedback ON CLUSTER \`prod\` AS inferlens.feedback_local
ENGINE = Distributed('prod', 'inferlens', 'feedback_local', cityHash64(Project, PredictionId))`,
    ]);
    const [local, distributed] = CLUSTER.table(OTEL_TRACES);
    expect(local).toContain(`) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/inferlens/otel_traces_local', '{replica}')
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`);
    expect(distributed).toBe(`CREATE TABLE IF NOT EXISTS inferlens.otel_traces ON CLUSTER \`prod\` AS inferlens.otel_traces_local
ENGINE = Distributed('prod', 'inferlens', 'otel_traces_local', rand())`);
  });

  it('keeps a Null table Null, and has views fill local tables from local tables', () => {
    expect(CLUSTER.table(PREDICTIONS_INGEST)[0]).toMatch(/^CREATE TABLE IF NOT EXISTS inferlens\.predictions_ingest_local ON CLUSTER `prod` \([\s\S]*\n\) ENGINE = Null$/);
    expect(CLUSTER.view(PREDICTIONS_INGEST_MV)).toEqual([
      `CREATE MATERIALIZED VIEW IF NOT EXISTS inferlens.predictions_ingest_mv ON CLUSTER \`prod\` TO inferlens.predictions_local AS
SELECT Timestamp, PredictionId, TraceId, SpanId, Project, ServiceName, ModelName, ModelVersion, Environment, Segment, LatencyMs, Status, ErrorType, ` +
        'mapFromArrays(NumericFeatureKeys, NumericFeatureValues) AS NumericFeatures, mapFromArrays(CategoricalFeatureKeys, CategoricalFeatureValues) AS CategoricalFeatures, ' +
        'mapFromArrays(NumericOutputKeys, NumericOutputValues) AS NumericOutputs, mapFromArrays(CategoricalOutputKeys, CategoricalOutputValues) AS CategoricalOutputs, ' +
        `InputTokens, OutputTokens, SampleRate, mapFromArrays(AttributeKeys, AttributeValues) AS Attributes
FROM inferlens.predictions_ingest_local`,
    ]);
    expect(CLUSTER.backfill(MODEL_ACTIVITY_MV)[0]).toMatch(/^INSERT INTO inferlens\.model_activity SELECT [\s\S]*\sFROM inferlens\.predictions GROUP BY/);
  });

  it('gives every migration its cluster statements: each table local and Distributed, on the cluster, replicated unless Null', () => {
    const statements = [...CLUSTER.table(SCHEMA_MIGRATIONS), ...MIGRATIONS.flatMap((m) => migrationStatements(m, CLUSTER))];
    const created = new Set<string>();
    const altered: string[] = [];
    for (const s of statements) {
      if (s.startsWith('INSERT')) continue;
      if (s.startsWith('ALTER')) {
        expect(s).toMatch(/^ALTER TABLE inferlens\.\w+ ON CLUSTER `prod` ADD (COLUMN|INDEX) IF NOT EXISTS \w+ .* (AFTER \w+|FIRST)(, MODIFY ORDER BY \(.*\))?$/);
        // The sorting key changes on the tables that hold the data, never on a Distributed one.
        if (s.includes('MODIFY ORDER BY')) expect(s).toMatch(/^ALTER TABLE inferlens\.\w+_local /);
        altered.push(/^ALTER TABLE inferlens\.(\w+)/.exec(s)![1]!);
        continue;
      }
      expect(s).toMatch(/^CREATE (TABLE|MATERIALIZED VIEW) IF NOT EXISTS inferlens\.\w+ ON CLUSTER `prod` /);
      const name = /^CREATE \w+(?: VIEW)? IF NOT EXISTS inferlens\.(\w+)/.exec(s)![1]!;
      created.add(name);
      if (name.endsWith('_local')) expect(s).toMatch(/ENGINE = (Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/inferlens\/\w+_local', '\{replica\}'|Null)/);
    }
    for (const def of ALL_TABLES) {
      expect(created, def.name).toContain(`${def.name}_local`);
      expect(created, def.name).toContain(def.name);
    }
    // A column added to a table: its local tables first, then the Distributed one; an index to
    // the local tables only (they hold the data).
    expect(altered).toEqual([
      'quality_results_local', 'quality_results', 'predictions_local', 'predictions', 'otel_traces_local',
      'predictions_local', 'predictions', 'predictions_local', 'otel_traces_local', 'otel_traces', 'otel_traces_local',
      'otel_logs_local', 'otel_logs_local',
      'drift_results_local', 'drift_results', 'data_quality_results_local', 'data_quality_results', 'quality_results_local', 'quality_results',
      'reference_data_local', 'reference_data', 'reference_data_local', 'reference_data',
      // Migration 23: two columns and an index to each table.
      ...[OTEL_LOGS, ...OTEL_METRICS_TABLES].flatMap(({ name }) => [`${name}_local`, name, `${name}_local`, name, `${name}_local`]),
    ]);
  });

  it('adds an index where the definition has it (after the index before it)', () => {
    expect(Ddl.SINGLE.addIndex(OTEL_TRACES, 'idx_span_id')).toEqual([
      'ALTER TABLE otel_traces ADD INDEX IF NOT EXISTS idx_span_id SpanId TYPE bloom_filter(0.001) GRANULARITY 1 AFTER idx_duration',
    ]);
    expect(CLUSTER.addIndex(OTEL_TRACES, 'idx_span_id')).toEqual([
      'ALTER TABLE inferlens.otel_traces_local ON CLUSTER `prod` ADD INDEX IF NOT EXISTS idx_span_id SpanId TYPE bloom_filter(0.001) GRANULARITY 1 AFTER idx_duration',
    ]);
    expect(() => Ddl.SINGLE.addIndex(OTEL_TRACES, 'idx_nothing')).toThrow(/otel_traces has no index idx_nothing/);
  });

  it('adds a column where the definition has it, with its type, default and codec', () => {
    expect(Ddl.SINGLE.addColumn(QUALITY_RESULTS, 'Estimated')).toEqual([
      "ALTER TABLE quality_results ADD COLUMN IF NOT EXISTS Estimated String DEFAULT '' CODEC(ZSTD(1)) AFTER MaxFeedbackReceivedAt",
    ]);
    expect(() => Ddl.SINGLE.addColumn(QUALITY_RESULTS, 'Nope')).toThrow('quality_results has no column Nope');
  });

  it('adds a column to the end of the sorting key in the same statement, the Distributed table getting the column only', () => {
    expect(Ddl.SINGLE.addSortingKeyColumn(QUALITY_RESULTS, 'Segment')).toEqual([
      'ALTER TABLE quality_results ADD COLUMN IF NOT EXISTS Segment LowCardinality(String) AFTER ModelVersion, MODIFY ORDER BY (Project, ModelName, ModelVersion, WindowStart, Segment)',
    ]);
    expect(CLUSTER.addSortingKeyColumn(QUALITY_RESULTS, 'Segment')).toEqual([
      'ALTER TABLE inferlens.quality_results_local ON CLUSTER `prod` ADD COLUMN IF NOT EXISTS Segment LowCardinality(String) AFTER ModelVersion, MODIFY ORDER BY (Project, ModelName, ModelVersion, WindowStart, Segment)',
      'ALTER TABLE inferlens.quality_results ON CLUSTER `prod` ADD COLUMN IF NOT EXISTS Segment LowCardinality(String) AFTER ModelVersion',
    ]);
    // ClickHouse takes no column with a DEFAULT into a sorting key.
    expect(() => Ddl.SINGLE.addSortingKeyColumn(QUALITY_RESULTS, 'Estimated')).toThrow(/cannot have a DEFAULT/);
  });
});
