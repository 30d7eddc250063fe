import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { ClickHouseStore } from './ClickHouseStore.js';
import { INSERT_SPOOL_DIR } from './SpoolFileSink.js';
import { Str, UInt32 } from './schema/column-types.js';
import { column, defineTable, encodeRows, type TableDefinition } from './schema/TableDefinition.js';
import { OTEL_LOGS } from './schema/otel-logs.js';
import { OTEL_METRICS_GAUGE, OTEL_METRICS_HISTOGRAM } from './schema/otel-metrics.js';
import { sampleRows } from '../../../test/helpers/table-rows.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
import { spansOfTrace } from './repositories/otel-traces.js';

// One embedded store for the whole file (chDB binds one data directory per process; vitest
// forks a process per file). The first test sees a fresh, empty database.
let dataDir: string;
let store: ClickHouseStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-store-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Every table and view of the database with its DDL, by name. */
async function schema(): Promise<Array<{ name: string; create_table_query: string }>> {
  return store.query('SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() ORDER BY name');
}

async function migrationRows(): Promise<Array<{ Version: number; Name: string; AppliedAt: string }>> {
  return store.query(`SELECT Version, Name, AppliedAt FROM ${MIGRATIONS_TABLE} ORDER BY Version, AppliedAt`);
}

describe('ClickHouseStore.migrate', () => {
  it('applies every migration once; a second call returns [] and changes nothing', async () => {
    expect(await schema()).toEqual([]);
    const versions = MIGRATIONS.map((m) => m.version).sort((a, b) => a - b);

    expect(await store.migrate()).toEqual(versions);
    const tables = await schema();
    expect(tables.map((t) => t.name)).toEqual(
      [
        MIGRATIONS_TABLE,
        'alert_compare_looks',
        'alert_events',
        'alert_notifications',
        'alert_state',
        'api_keys',
        'audit_log',
        'data_quality_results',
        'drift_results',
        'feedback',
        'inferlens_readiness_probe',
        'job_checkpoints',
        'job_leases',
        'model_activity',
        'model_activity_mv',
        'otel_logs',
        'otel_metrics_exponential_histogram',
        'otel_metrics_gauge',
        'otel_metrics_histogram',
        'otel_metrics_sum',
        'otel_metrics_summary',
        'otel_traces',
        'otel_traces_trace_id_ts',
        'otel_traces_trace_id_ts_mv',
        'predictions',
        'predictions_ingest',
        'predictions_ingest_mv',
        'reference_data',
        'reference_profiles',
        'quality_results',
        'sla_results',
      ].sort(),
    );
    const recorded = await migrationRows();
    expect(recorded.map((r) => [Number(r.Version), r.Name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    expect(await store.appliedMigrations()).toEqual(versions);

    expect(await store.migrate()).toEqual([]);
    expect(await store.migrate()).toEqual([]);
    expect(await schema()).toEqual(tables);
    // Same rows, same AppliedAt: nothing was recorded again.
    expect(await migrationRows()).toEqual(recorded);
  });

  it('applies only the migrations not yet recorded, in version order', async () => {
    const before = await store.appliedMigrations();
    const extra = [
      { version: 1001, name: 'test b', statements: ['CREATE TABLE IF NOT EXISTS mig_test_b (X UInt8) ENGINE = Memory', 'INSERT INTO mig_test_a VALUES (2)'] },
      { version: 1000, name: 'test a', statements: ['CREATE TABLE IF NOT EXISTS mig_test_a (X UInt8) ENGINE = MergeTree ORDER BY X', 'INSERT INTO mig_test_a VALUES (1)'] },
    ];
    // 1001 inserts into the table 1000 creates: it only works when 1000 runs first.
    expect(await store.migrate([...MIGRATIONS, ...extra])).toEqual([1000, 1001]);
    expect(await store.migrate([...MIGRATIONS, ...extra])).toEqual([]);
    expect(await store.appliedMigrations()).toEqual([...before, 1000, 1001]);
    expect((await store.query<{ X: number }>('SELECT X FROM mig_test_a ORDER BY X')).map((r) => r.X)).toEqual([1, 2]);
  });

  it('does not record a migration whose statement fails, and says which statement failed', async () => {
    const broken = { version: 2000, name: 'broken', statements: ['CREATE TABLE IF NOT EXISTS mig_broken (X UInt8) ENGINE = Memory', 'ALTER TABLE no_such_table ADD COLUMN Y UInt8'] };
    const err = await store.migrate([broken]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain('no_such_table');
    expect((err as StoreError).clickhouseCode).toBe('60');
    expect(await store.appliedMigrations()).not.toContain(2000);
  });
});

describe('ClickHouseStore.query binds parameters', () => {
  const tricky = [
    `it's`,
    `"double" and 'single' quotes`,
    'back\\slash',
    'trailing backslash\\',
    "\\'",
    "escaped quote \\' then ' OR 1=1 --",
    'line\nbreak\ttab\r\n',
    'nul\u0000byte',
    'unicode é 漢字 🙂',
    '{other:String}',
    '',
  ];

  beforeAll(async () => {
    await store.command('CREATE TABLE IF NOT EXISTS params_test (Id UInt32, Name String) ENGINE = MergeTree ORDER BY Id');
    for (const [i, name] of tricky.entries()) {
      await store.command('INSERT INTO params_test (Id, Name) VALUES ({id:UInt32}, {name:String})', { id: i, name });
    }
  });

  it('round-trips values with quotes, backslashes and control characters exactly', async () => {
    for (const v of tricky) {
      // count and length are UInt64: chDB returns numbers, a server quoted strings.
      const rows = await store.query<{ v: string; n: number | string }>('SELECT {v:String} AS v, length({v:String}) AS n', { v });
      expect(rows.map((r) => ({ v: r.v, n: Number(r.n) }))).toEqual([{ v, n: Buffer.byteLength(v) }]);
    }
    const stored = await store.query<{ Id: number; Name: string }>('SELECT Id, Name FROM params_test ORDER BY Id');
    expect(stored.map((r) => r.Name)).toEqual(tricky);
    for (const [i, name] of tricky.entries()) {
      expect(await store.query('SELECT Id FROM params_test WHERE Name = {name:String}', { name })).toEqual([{ Id: i }]);
    }
  });

  it('finds nothing for an injection attempt instead of running it', async () => {
    expect(Number((await store.query<{ n: string }>('SELECT count() AS n FROM params_test'))[0]!.n)).toBe(tricky.length);
    for (const attempt of ["' OR 1=1 --", "x' OR '1'='1", "'; DROP TABLE params_test; --", '\\\' OR 1=1 --']) {
      expect(await store.query('SELECT Id FROM params_test WHERE Name = {name:String}', { name: attempt })).toEqual([]);
    }
    await expect(store.query('SELECT Id FROM params_test WHERE Id = {id:UInt32}', { id: '1 OR 1=1' })).rejects.toBeInstanceOf(StoreError);
    expect(Number((await store.query<{ n: string }>('SELECT count() AS n FROM params_test'))[0]!.n)).toBe(tricky.length);
  });
});

describe('ClickHouseStore.insertRowBinary, embedded: through spool files', () => {
  const codec = defineTable('spool_test', { Id: column(UInt32), Name: column(Str) }, { engine: 'MergeTree', orderBy: 'Id' });
  const spool = () => readdirSync(join(dataDir, INSERT_SPOOL_DIR)).map((f) => join(dataDir, INSERT_SPOOL_DIR, f));

  it('stores every chunk of every insert, and keeps at most one emptied spool file per concurrent insert', async () => {
    await store.command('CREATE TABLE IF NOT EXISTS spool_test (Id UInt32, Name String) ENGINE = MergeTree ORDER BY Id');
    let id = 0;
    const chunk = (n: number) => encodeRows(codec, Array.from({ length: n }, () => ({ Id: id++, Name: `row ${id} é` })));
    for (let round = 0; round < 4; round++) {
      // Two inserts at once, of two and three chunks; each round after the first reuses the files.
      await Promise.all([store.insertRowBinary(codec, [chunk(3), chunk(500)]), store.insertRowBinary(codec, [chunk(1), chunk(2), chunk(7)])]);
      const files = spool();
      expect(files.length).toBeLessThanOrEqual(2);
      for (const f of files) expect(statSync(f).size).toBe(0);
    }
    const stored = await store.query<{ n: string; ids: string; last: string }>(
      'SELECT count() AS n, uniqExact(Id) AS ids, anyIf(Name, Id = {id:UInt32}) AS last FROM spool_test',
      { id: id - 1 },
    );
    expect(stored.map((r) => ({ n: Number(r.n), ids: Number(r.ids), last: r.last }))).toEqual([{ n: id, ids: id, last: `row ${id} é` }]);
  });

  it('removes the spool file of an insert that failed, and says which table failed', async () => {
    const before = spool().length;
    await expect(store.insertRowBinary({ ...codec, table: 'no_such_table' }, [encodeRows(codec, [{ Id: 1, Name: 'x' }])])).rejects.toThrow(
      /insert into no_such_table failed/,
    );
    expect(spool().length).toBe(Math.max(0, before - 1));
  });
});

describe('OpenTelemetry ClickHouse exporter compatibility', () => {
  // The OpenTelemetry Collector ClickHouse exporter's tables (opentelemetry-collector-contrib,
  // exporter/clickhouseexporter/internal/sqltemplates/): traces_table.sql at 2bf6b9e (its
  // bloom-filter variant, for servers without full-text indexes), traces_id_ts_lookup_table.sql
  // at 1b08503, and logs_table.sql as it was up to v0.150.0 (the layout with TimestampTime that
  // Inferlens keeps: docs/grafana.md). Columns in order with their types (a Nested column shows as
  // one Array per field), then the skipping indexes, the keys and the engine as system.tables
  // shows them. Inferlens adds `Project`, and to otel_traces `IngestKey` and its bloom filter (the
  // duplicate check's request key) and the SpanId bloom filter (span lookups by id); to otel_logs
  // and the metrics tables `IngestKey` with its bloom filter and `IngestRow` (a row's number in
  // its request: their rows have no id of their own).
  const EXPORTER_TRACES = [
    ['Timestamp', 'DateTime64(9)'],
    ['TraceId', 'String'],
    ['SpanId', 'String'],
    ['ParentSpanId', 'String'],
    ['TraceState', 'String'],
    ['SpanName', 'LowCardinality(String)'],
    ['SpanKind', 'LowCardinality(String)'],
    ['ServiceName', 'LowCardinality(String)'],
    ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
    ['ScopeName', 'String'],
    ['ScopeVersion', 'String'],
    ['SpanAttributes', 'Map(LowCardinality(String), String)'],
    ['Duration', 'UInt64'],
    ['StatusCode', 'LowCardinality(String)'],
    ['StatusMessage', 'String'],
    ['Events.Timestamp', 'Array(DateTime64(9))'],
    ['Events.Name', 'Array(LowCardinality(String))'],
    ['Events.Attributes', 'Array(Map(LowCardinality(String), String))'],
    ['Links.TraceId', 'Array(String)'],
    ['Links.SpanId', 'Array(String)'],
    ['Links.TraceState', 'Array(String)'],
    ['Links.Attributes', 'Array(Map(LowCardinality(String), String))'],
    ['ResourceAttributeItems', 'Array(String)'],
    ['SpanAttributeItems', 'Array(String)'],
  ];
  /** The exporter's bloom filters on a map column's keys and on its values: `idx_<prefix>_key`, `idx_<prefix>_value`. */
  const mapBlooms = (prefix: string, column: string) => [
    [`idx_${prefix}_key`, `mapKeys(${column})`, 'bloom_filter(0.01)', 1],
    [`idx_${prefix}_value`, `mapValues(${column})`, 'bloom_filter(0.01)', 1],
  ];
  /** The exporter's bloom filter on TraceId, in otel_traces and otel_logs. */
  const TRACE_ID_BLOOM = ['idx_trace_id', 'TraceId', 'bloom_filter(0.001)', 1];
  /** Keys and engine of an exporter table as system.tables shows them: its sorting key is its primary key, then Timestamp. */
  const exporterMergeTree = (partitionKey: string, primaryKey: string) => ({
    engine: 'MergeTree',
    partition_key: partitionKey,
    primary_key: primaryKey,
    sorting_key: `${primaryKey}, Timestamp`,
  });
  const EXPORTER_TRACES_INDEXES = [
    TRACE_ID_BLOOM,
    ...mapBlooms('res_attr', 'ResourceAttributes'),
    ...mapBlooms('span_attr', 'SpanAttributes'),
    ['idx_duration', 'Duration', 'minmax', 1],
    ['idx_lower_span_name', 'lower(SpanName)', 'tokenbf_v1(32768, 3, 0)', 8],
  ];
  const EXPORTER_TRACES_LAYOUT = exporterMergeTree('toDate(Timestamp)', 'ServiceName, SpanName, toDateTime(Timestamp)');
  const EXPORTER_TRACE_ID_TS = [
    ['TraceId', 'String'],
    ['Start', 'SimpleAggregateFunction(min, DateTime)'],
    ['End', 'SimpleAggregateFunction(max, DateTime)'],
  ];
  const EXPORTER_TRACE_ID_TS_LAYOUT = { engine: 'AggregatingMergeTree', partition_key: 'toStartOfWeek(Start)', primary_key: '(TraceId)', sorting_key: '(TraceId)' };
  const EXPORTER_LOGS = [
    ['Timestamp', 'DateTime64(9)'],
    ['TimestampTime', 'DateTime'],
    ['TraceId', 'String'],
    ['SpanId', 'String'],
    ['TraceFlags', 'UInt8'],
    ['SeverityText', 'LowCardinality(String)'],
    ['SeverityNumber', 'UInt8'],
    ['ServiceName', 'LowCardinality(String)'],
    ['Body', 'String'],
    ['ResourceSchemaUrl', 'LowCardinality(String)'],
    ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
    ['ScopeSchemaUrl', 'LowCardinality(String)'],
    ['ScopeName', 'String'],
    ['ScopeVersion', 'LowCardinality(String)'],
    ['ScopeAttributes', 'Map(LowCardinality(String), String)'],
    ['LogAttributes', 'Map(LowCardinality(String), String)'],
    ['EventName', 'String'],
  ];
  const EXPORTER_LOGS_INDEXES = [
    TRACE_ID_BLOOM,
    ...mapBlooms('res_attr', 'ResourceAttributes'),
    ...mapBlooms('scope_attr', 'ScopeAttributes'),
    ...mapBlooms('log_attr', 'LogAttributes'),
    ['idx_body', 'Body', 'tokenbf_v1(32768, 3, 0)', 8],
  ];
  const EXPORTER_LOGS_LAYOUT = exporterMergeTree('toDate(TimestampTime)', 'ServiceName, TimestampTime');

  /** Skipping indexes: name, expression, type with its arguments, granularity. */
  async function indexes(table: string): Promise<Array<[string, string, string, number]>> {
    const rows = await store.query<{ name: string; expr: string; type_full: string; granularity: string | number }>(
      'SELECT name, expr, type_full, granularity FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = {table:String}',
      { table },
    );
    return rows.map((r) => [r.name, r.expr, r.type_full, Number(r.granularity)]);
  }

  async function layout(table: string): Promise<Record<string, string>> {
    const [row] = await store.query<Record<string, string>>(
      'SELECT engine, partition_key, primary_key, sorting_key FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
      { table },
    );
    return row!;
  }

  // The metrics tables (metrics_{gauge,sum,histogram,exp_histogram,summary}_table.sql, the layout
  // since v0.160): the columns every one starts with, then each table's own.
  const METRIC_POINT = [
    ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
    ['ResourceSchemaUrl', 'String'],
    ['ScopeName', 'String'],
    ['ScopeVersion', 'String'],
    ['ScopeAttributes', 'Map(LowCardinality(String), String)'],
    ['ScopeDroppedAttrCount', 'UInt32'],
    ['ScopeSchemaUrl', 'String'],
    ['ServiceName', 'LowCardinality(String)'],
    ['MetricName', 'LowCardinality(String)'],
    ['MetricDescription', 'String'],
    ['MetricUnit', 'String'],
    ['Attributes', 'Map(LowCardinality(String), String)'],
    ['StartTimeUnix', 'DateTime'],
    ['TimeUnix', 'DateTime'],
  ];
  const EXEMPLARS = [
    ['Exemplars.FilteredAttributes', 'Array(Map(LowCardinality(String), String))'],
    ['Exemplars.TimeUnix', 'Array(DateTime)'],
    ['Exemplars.Value', 'Array(Float64)'],
    ['Exemplars.SpanId', 'Array(String)'],
    ['Exemplars.TraceId', 'Array(String)'],
  ];
  const EXPORTER_METRICS: Record<string, string[][]> = {
    otel_metrics_gauge: [...METRIC_POINT, ['Value', 'Float64'], ['Flags', 'UInt32'], ...EXEMPLARS],
    otel_metrics_sum: [...METRIC_POINT, ['Value', 'Float64'], ['Flags', 'UInt32'], ...EXEMPLARS, ['AggregationTemporality', 'Int32'], ['IsMonotonic', 'Bool']],
    otel_metrics_histogram: [
      ...METRIC_POINT,
      ['Count', 'UInt64'],
      ['Sum', 'Float64'],
      ['BucketCounts', 'Array(UInt64)'],
      ['ExplicitBounds', 'Array(Float64)'],
      ...EXEMPLARS,
      ['Flags', 'UInt32'],
      ['Min', 'Float64'],
      ['Max', 'Float64'],
      ['AggregationTemporality', 'Int32'],
    ],
    otel_metrics_exponential_histogram: [
      ...METRIC_POINT,
      ['Count', 'UInt64'],
      ['Sum', 'Float64'],
      ['Scale', 'Int32'],
      ['ZeroCount', 'UInt64'],
      ['PositiveOffset', 'Int32'],
      ['PositiveBucketCounts', 'Array(UInt64)'],
      ['NegativeOffset', 'Int32'],
      ['NegativeBucketCounts', 'Array(UInt64)'],
      ...EXEMPLARS,
      ['Flags', 'UInt32'],
      ['Min', 'Float64'],
      ['Max', 'Float64'],
      ['AggregationTemporality', 'Int32'],
    ],
    otel_metrics_summary: [
      ...METRIC_POINT,
      ['Count', 'UInt64'],
      ['Sum', 'Float64'],
      ['ValueAtQuantiles.Quantile', 'Array(Float64)'],
      ['ValueAtQuantiles.Value', 'Array(Float64)'],
      ['Flags', 'UInt32'],
    ],
  };
  /** Every metrics table's skipping indexes, in order: `name expression type granularity`. */
  const EXPORTER_METRICS_INDEXES = [
    'idx_res_attr_key mapKeys(ResourceAttributes) bloom_filter(0.01) 1',
    'idx_res_attr_value mapValues(ResourceAttributes) bloom_filter(0.01) 1',
    'idx_scope_attr_key mapKeys(ScopeAttributes) bloom_filter(0.01) 1',
    'idx_scope_attr_value mapValues(ScopeAttributes) bloom_filter(0.01) 1',
    'idx_attr_key mapKeys(Attributes) bloom_filter(0.01) 1',
    'idx_attr_value mapValues(Attributes) bloom_filter(0.01) 1',
    'idx_time_minmax TimeUnix minmax 1',
  ];

  async function columns(table: string): Promise<string[][]> {
    const rows = await store.query<{ name: string; type: string }>(
      'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position',
      { table },
    );
    return rows.map((r) => [r.name, r.type]);
  }

  beforeAll(async () => {
    await store.migrate();
  });

  it('otel_traces has the exporter columns, in order, then Project and IngestKey; its indexes (and the SpanId and IngestKey ones), keys and engine', async () => {
    expect(await columns('otel_traces')).toEqual([...EXPORTER_TRACES, ['Project', 'LowCardinality(String)'], ['IngestKey', 'String']]);
    expect((await indexes('otel_traces')).sort()).toEqual(
      [...EXPORTER_TRACES_INDEXES, ['idx_span_id', 'SpanId', 'bloom_filter(0.001)', 1], ['idx_ingest_key', 'IngestKey', 'bloom_filter(0.001)', 1]].sort(),
    );
    expect(await layout('otel_traces')).toEqual(EXPORTER_TRACES_LAYOUT);
  });

  it('otel_traces_trace_id_ts has the exporter columns, keys and engine', async () => {
    expect(await columns('otel_traces_trace_id_ts')).toEqual(EXPORTER_TRACE_ID_TS);
    expect(await indexes('otel_traces_trace_id_ts')).toEqual([]);
    expect(await layout('otel_traces_trace_id_ts')).toEqual(EXPORTER_TRACE_ID_TS_LAYOUT);
  });

  /** What Inferlens adds to otel_logs and the metrics tables, after the exporter's columns. */
  const INFERLENS_COLUMNS = [['Project', 'LowCardinality(String)'], ['IngestKey', 'String'], ['IngestRow', 'UInt32']];
  const INGEST_KEY_BLOOM = ['idx_ingest_key', 'IngestKey', 'bloom_filter(0.001)', 1];

  it('otel_logs has the exporter columns, in order, then Project, IngestKey and IngestRow; its indexes (and the IngestKey one), keys and engine', async () => {
    expect(await columns('otel_logs')).toEqual([...EXPORTER_LOGS, ...INFERLENS_COLUMNS]);
    expect((await indexes('otel_logs')).sort()).toEqual([...EXPORTER_LOGS_INDEXES, INGEST_KEY_BLOOM].sort());
    expect(await layout('otel_logs')).toEqual(EXPORTER_LOGS_LAYOUT);
  });

  it('the ALIAS columns give key=value per attribute, as the exporter computes them', async () => {
    await store.command(
      `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, ResourceAttributes, SpanAttributes)
       VALUES (now64(9), 'aa', 'bb', 'alias-check', 'svc', map('host.name', 'h1', 'k', ''), map('http.route', '/a=b'))`,
    );
    expect(await store.query("SELECT ResourceAttributeItems AS r, SpanAttributeItems AS s FROM otel_traces WHERE SpanName = 'alias-check'")).toEqual([
      { r: ['host.name=h1', 'k='], s: ['http.route=/a=b'] },
    ]);
  });

  it("spansOfTrace reads a trace over two days within the lookup table's time range, and a trace the lookup table lacks everywhere", async () => {
    const traceId = '5b8efff798038103d269b633813fc60c';
    const now = Math.floor(Date.now() / 1000);
    await store.command(
      `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, Duration) VALUES
       (fromUnixTimestamp64Nano({a:Int64}), {traceId:String}, 'eee19b7ec3c1b174', 'yesterday', 'svc', 1),
       (fromUnixTimestamp64Nano({b:Int64}), {traceId:String}, 'eee19b7ec3c1b175', 'today', 'svc', 1)`,
      { traceId, a: String(BigInt(now - 86_400) * 1_000_000_000n + 999_999_999n), b: String(BigInt(now) * 1_000_000_000n + 999_999_999n) },
    );
    expect((await spansOfTrace(store, traceId)).map((s) => s.SpanName)).toEqual(['yesterday', 'today']);
    const explain = await store.query<{ explain: string }>(
      `EXPLAIN indexes = 1 WITH (SELECT (min(Start), max(End) + 1, count()) FROM otel_traces_trace_id_ts WHERE TraceId = {traceId:String}) AS bounds
       SELECT SpanId FROM otel_traces WHERE TraceId = {traceId:String} AND (bounds.3 = 0 OR (Timestamp >= bounds.1 AND Timestamp <= bounds.2))`,
      { traceId },
    );
    expect(explain.map((r) => r.explain).join('\n')).toMatch(/Partition[\s\S]*Condition: and\(\(toDate\(Timestamp\) in/);
    await store.command('TRUNCATE TABLE otel_traces_trace_id_ts');
    expect((await spansOfTrace(store, traceId)).map((s) => s.SpanName)).toEqual(['yesterday', 'today']);
    expect(await spansOfTrace(store, traceId, 'another-project')).toEqual([]);
  });

  it.each(Object.keys(EXPORTER_METRICS))('%s has the exporter columns, in order, then Project, IngestKey and IngestRow; its engine, keys, indexes (and the IngestKey one) and codecs', async (table) => {
    expect(await columns(table)).toEqual([...EXPORTER_METRICS[table]!, ...INFERLENS_COLUMNS]);
    const [layout] = await store.query<Record<string, string>>(
      'SELECT engine, partition_key, sorting_key, primary_key FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
      { table },
    );
    expect(layout).toEqual({
      engine: 'MergeTree',
      partition_key: 'toDate(TimeUnix)',
      sorting_key: 'ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix',
      primary_key: 'ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix',
    });
    const indexes = await store.query<{ i: string }>(
      "SELECT concat(name, ' ', expr, ' ', type_full, ' ', toString(granularity)) AS i FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = {table:String}",
      { table },
    );
    expect(indexes.map((r) => r.i)).toEqual([...EXPORTER_METRICS_INDEXES, INGEST_KEY_BLOOM.join(' ')]);
    const codecs = await store.query<{ name: string; codec: string }>(
      "SELECT name, compression_codec AS codec FROM system.columns WHERE database = currentDatabase() AND table = {table:String} AND name IN ('TimeUnix', 'StartTimeUnix', 'Count', 'IsMonotonic', 'Value')",
      { table },
    );
    // The exporter's `Delta` codecs, as the engine sizes them for each column's type.
    const expected: Record<string, string> = {
      StartTimeUnix: 'CODEC(Delta(4), ZSTD(1))',
      TimeUnix: 'CODEC(Delta(4), ZSTD(1))',
      Count: 'CODEC(Delta(8), ZSTD(1))',
      IsMonotonic: 'CODEC(Delta(1), ZSTD(1))',
      Value: 'CODEC(ZSTD(1))',
    };
    expect(codecs.length).toBeGreaterThanOrEqual(3);
    for (const { name, codec } of codecs) expect(codec, `${table}.${name}`).toBe(expected[name]);
  });

  it('the trace id lookup view fills otel_traces_trace_id_ts from otel_traces', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await store.command(
      `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, Duration) VALUES
       ('2026-01-02 03:04:05.000000000', {traceId:String}, 'b7ad6b7169203331', 'a', 'svc', 1),
       ('2026-01-02 03:04:09.000000000', {traceId:String}, 'b7ad6b7169203332', 'b', 'svc', 1)`,
      { traceId },
    );
    expect(
      await store.query('SELECT toString(min(Start)) AS s, toString(max(End)) AS e FROM otel_traces_trace_id_ts WHERE TraceId = {traceId:String}', { traceId }),
    ).toEqual([{ s: '2026-01-02 03:04:05', e: '2026-01-02 03:04:09' }]);
  });
});

describe('ClickHouseStore.insert of rows numbered in their request (otel_logs, otel_metrics_*): each stored once', () => {
  // The duplicate check of the embedded store (SpoolFileSink.selectRows) on rows without an id of
  // their own: named by project, request key and number in the request. A DateTime64 time
  // (otel_logs) and a whole-second DateTime one (the metrics tables).
  beforeAll(async () => {
    await store.migrate();
  });

  const count = async (table: string, project: string): Promise<number> =>
    Number((await store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE Project = {project:String}`, { project }))[0]!.n);
  /** `n` rows of `def` from request `key` (numbered 0.., as the batcher numbers them), in project `project`. */
  const request = <R,>(def: TableDefinition<R>, project: string, key: string, n: number, seed = 1): R[] =>
    sampleRows(def, n, seed).map((row, i) => ({ ...row, Project: project, IngestKey: key, IngestRow: i }));

  it.each([OTEL_LOGS, OTEL_METRICS_GAUGE, OTEL_METRICS_HISTOGRAM].map((def) => ({ name: def.name, def: def as TableDefinition<unknown> })))('$name', async ({ def }) => {
    const project = `numbered-${def.name}`;
    const first = request(def, project, 'k1', 20);
    await store.insert(def, first);
    expect(await count(def.name, project)).toBe(20);
    // A retry, twice: nothing more.
    await store.insert(def, first);
    await store.insert(def, first);
    expect(await count(def.name, project)).toBe(20);
    // A retry under the same key that holds more rows: only rows 20 to 24 go in.
    await store.insert(def, request(def, project, 'k1', 25));
    expect(await count(def.name, project)).toBe(25);
    // The same records in another request (another key) are stored again: not a retry.
    await store.insert(def, request(def, project, 'k2', 20));
    expect(await count(def.name, project)).toBe(45);
    // A request and its retry in one insert (the retry joined the batch of its first attempt).
    const third = request(def, project, 'k3', 10, 7);
    await store.insert(def, [...third, ...third]);
    expect(await count(def.name, project)).toBe(55);
    // Rows without a request key have no identity: every one is stored, even with equal numbers.
    const unkeyed = sampleRows(def, 4, 3).map((row) => {
      // Left out, as a row written otherwise leaves them.
      const { IngestKey: _key, IngestRow: _row, ...rest } = row as Record<string, unknown>;
      return { ...rest, Project: project };
    });
    await store.insert(def, [...unkeyed, ...unkeyed]);
    await store.insert(def, unkeyed);
    expect(await count(def.name, project)).toBe(67);
    expect(await store.query(`SELECT DISTINCT IngestKey, IngestRow FROM ${def.name} WHERE Project = {project:String} AND IngestKey = ''`, { project })).toEqual([
      { IngestKey: '', IngestRow: 0 },
    ]);
  });
});

describe('ClickHouseStore.insert and text that is not valid Unicode', () => {
  it('stores a lone surrogate as U+FFFD, as ingestion\'s transcoders do, instead of failing the insert', async () => {
    await store.command('CREATE TABLE IF NOT EXISTS surrogate_test (Id UInt32, Name String) ENGINE = MergeTree ORDER BY Id');
    const names = [
      'a\ud800b', // lone high surrogate
      'c\udc00', // lone low surrogate
      '\ud83d\ude00 pair \ud83d', // a valid pair, then a lone high one
      'back\\ud800', // an escaped backslash then the text "ud800": not a surrogate
      'two\\\\\ud800', // two backslashes, then a lone surrogate
      'ok \ufffd already',
    ];
    const table = defineTable('surrogate_test', { Id: column(UInt32), Name: column(Str) }, { engine: 'MergeTree', orderBy: 'Id' });
    await store.insert(table, names.map((Name, Id) => ({ Id, Name })));
    const stored = await store.query<{ h: string }>('SELECT hex(Name) AS h FROM surrogate_test ORDER BY Id');
    // Node's UTF-8 encoder writes each lone surrogate as U+FFFD (EF BF BD): what the transcoders store.
    expect(stored.map((r) => r.h)).toEqual(names.map((n) => Buffer.from(n, 'utf8').toString('hex').toUpperCase()));
    expect(Buffer.from(stored[0]!.h, 'hex').toString('utf8')).toBe('a\ufffdb');
    expect(Buffer.from(stored[3]!.h, 'hex').toString('utf8')).toBe('back\\ud800');
    expect(Buffer.from(stored[4]!.h, 'hex').toString('utf8')).toBe('two\\\\\ufffd');
  });
});
