import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { ClickHouseStore } from '../../collector/src/store/ClickHouseStore.js';
import { OTEL_LOGS, type LogRow } from '../../collector/src/store/schema/otel-logs.js';
import { OTEL_TRACES, type SpanRow } from '../../collector/src/store/schema/otel-traces.js';
import { startClickHouseHttpInterface, type ClickHouseHttpInterface } from '../../collector/src/clickhouse-http/ClickHouseHttpInterface.js';

// The provisioned Grafana dashboards, checked without Grafana: the files parse, their structure
// is what Grafana and the ClickHouse plugin read, and every panel's and variable's SQL runs on the
// real embedded engine against the collector's schema, with a little data in every table, and
// returns the columns its panel needs. The SQL goes as Grafana's would on the embedded store:
// through the collector's read-only ClickHouse HTTP interface (clickhouseHttp.*), over HTTP with
// @clickhouse/client. One store per file: chDB binds one data directory per process.

const GRAFANA = fileURLToPath(new URL('../../collector/grafana/', import.meta.url));
const PLUGIN = 'grafana-clickhouse-datasource';
const DATASOURCE_UID = 'inferlens';

interface Target { refId: string; datasource?: { type?: string; uid?: string }; editorType?: string; queryType?: string; format?: number; pluginVersion?: string; rawSql?: string }
interface Panel { id: number; type: string; title: string; datasource?: { type?: string; uid?: string }; gridPos: { h: number; w: number; x: number; y: number }; targets?: Target[]; fieldConfig?: { overrides?: Array<{ matcher: { id: string; options: string } }> } }
interface Variable { type: string; name: string; query: string | { rawSql?: string }; datasource?: { type?: string; uid?: string }; multi?: boolean; includeAll?: boolean }
interface Dashboard { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: Variable[] } }

const dashboardFiles = readdirSync(join(GRAFANA, 'dashboards')).filter((f) => f.endsWith('.json')).sort();
const dashboards = dashboardFiles.map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(GRAFANA, 'dashboards', file), 'utf8')) as Dashboard }));
const readYaml = (path: string) => parseYaml(readFileSync(join(GRAFANA, 'provisioning', path), 'utf8')) as Record<string, any>;

const variableSql = (v: Variable) => (typeof v.query === 'string' ? v.query : v.query.rawSql ?? '');
const BUILTIN_MACROS = new Set(['__timeFilter', '__fromTime', '__toTime', '__timeInterval', '__interval_s']);
/** Names of the dashboard variables an SQL text uses: `$name`, `${name}`, `${name:format}`. */
function variablesUsed(sql: string): string[] {
  const names = [...sql.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g)].map((m) => (m[1] ?? m[2])!);
  return [...new Set(names.filter((n) => !BUILTIN_MACROS.has(n)))];
}

// ---- macro and variable expansion, mirroring the plugin --------------------------------------
// The ClickHouse plugin's backend (grafana/clickhouse-datasource, pkg/macros/macros.go) expands
//   $__timeFilter(c)   -> c >= toDateTime(<from s>) AND c <= toDateTime(<to s>)
//   $__fromTime / $__toTime -> toDateTime(<s>)
//   $__timeInterval(c) -> toStartOfInterval(toDateTime(c), INTERVAL <interval s> second)
//   $__interval_s      -> <interval s>
// and its frontend hands template variables to Grafana's template service with a formatter that
// leaves a single value as is and joins a multi-value as 'a','b'; the `:singlequote` format quotes
// each value ('a' or 'a','b', with ' escaped as \'). Anything else left in the SQL is an error here.
interface Context { from: number; to: number; intervalSeconds: number; values: Record<string, string | string[]> }
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
function expand(sql: string, ctx: Context): string {
  let out = sql
    .replace(/\$__timeFilter\(\s*([^)]+?)\s*\)/g, (_, c: string) => `${c} >= toDateTime(${ctx.from}) AND ${c} <= toDateTime(${ctx.to})`)
    .replace(/\$__timeInterval\(\s*([^)]+?)\s*\)/g, (_, c: string) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${ctx.intervalSeconds} second)`)
    .replace(/\$__fromTime\b/g, `toDateTime(${ctx.from})`)
    .replace(/\$__toTime\b/g, `toDateTime(${ctx.to})`)
    .replace(/\$__interval_s\b/g, String(ctx.intervalSeconds));
  out = out.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (whole, braced?: string, format?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    if (!(name in ctx.values)) throw new Error(`unknown variable or macro ${whole} in:\n${sql}`);
    const value = ctx.values[name]!;
    const list = Array.isArray(value) ? value : [value];
    if (format === 'singlequote') return list.map(quote).join(',');
    if (format) throw new Error(`variable format ${format} is not mirrored by this test (${whole})`);
    return Array.isArray(value) ? `'${value.join("','")}'` : value;
  });
  return out;
}

// ---- data ----------------------------------------------------------------------------------
// Whole hours, six hours ago: relative to now, so no retention or lookback ever meets it.
const T0 = Math.floor(Date.now() / 3_600_000) * 3600 - 6 * 3600;
const RANGE = { from: T0 - 3600, to: T0 + 3 * 3600, intervalSeconds: 60 };
let store: ClickHouseStore;
let dir: string;
let readOnly: ClickHouseHttpInterface;
let grafana: ClickHouseClient;

interface QueryResult { meta: Array<{ name: string; type: string }>; data: Array<Record<string, unknown>> }
/** Runs `sql` as Grafana would on the embedded store: through the read-only HTTP interface. */
async function run(sql: string): Promise<QueryResult> {
  const rs = await grafana.query({ query: sql, format: 'JSON', clickhouse_settings: { max_execution_time: 60 } });
  return rs.json() as unknown as Promise<QueryResult>;
}

async function seed(): Promise<void> {
  // 3 model versions over 2 hours: fraud v1 / v2 (tabular, every 10th call an error), chat v1
  // (generative, with tokens; half sampled at 0.5).
  await store.command(`INSERT INTO predictions (Timestamp, PredictionId, Project, ServiceName, ModelName, ModelVersion, Environment,
      LatencyMs, Status, ErrorType, NumericFeatures, CategoricalFeatures, InputTokens, OutputTokens, SampleRate)
    SELECT toDateTime64(${T0} + number * 12, 9), concat('p-', toString(number)), 'default', 'svc',
           if(number % 3 = 2, 'chat', 'fraud'), if(number % 3 = 1, 'v2', 'v1'), 'prod',
           10 + (number % 50) * 2.5, if(number % 10 = 0, 'error', 'ok'), if(number % 10 = 0, 'Timeout', ''),
           map('amount', number * 1.5), map('country', if(number % 2 = 0, 'FR', 'DE')),
           if(number % 3 = 2, 100 + number % 7, 0), if(number % 3 = 2, 40 + number % 5, 0), if(number % 3 = 2 AND number % 2 = 0, 0.5, 1)
    FROM numbers(600)`);
  const w1 = `toDateTime64(${T0}, 3)`, w1e = `toDateTime64(${T0 + 3600}, 3)`;
  const w2 = `toDateTime64(${T0 + 3600}, 3)`, w2e = `toDateTime64(${T0 + 7200}, 3)`;
  await store.command(`INSERT INTO drift_results (Project, ModelName, ModelVersion, WindowStart, WindowEnd, Source, Feature, Kind, Method,
      Statistic, PValue, Threshold, Drifted, Status, ReferenceRows, CurrentRows, Metrics, ReferenceId) VALUES
    ('default', 'fraud', 'v1', ${w1}, ${w1e}, 'feature', 'amount', 'numerical', 'wasserstein', 0.05, NULL, 0.1, 0, 'ok', 2000, 200, '{}', 'r1'),
    ('default', 'fraud', 'v1', ${w1}, ${w1e}, 'feature', 'country', 'categorical', 'chi-square', 3.1, 0.08, 0.05, 0, 'ok', 2000, 200, '{}', 'r1'),
    ('default', 'fraud', 'v1', ${w1}, ${w1e}, 'dataset', '*', 'dataset', 'share', 0, NULL, 0.5, 0, 'ok', 2000, 200, '{}', 'r1'),
    ('default', 'fraud', 'v1', ${w2}, ${w2e}, 'feature', 'amount', 'numerical', 'wasserstein', 0.4, NULL, 0.1, 1, 'ok', 2000, 200, '{}', 'r1'),
    ('default', 'fraud', 'v1', ${w2}, ${w2e}, 'feature', 'country', 'categorical', 'chi-square', 40.2, 0.0001, 0.05, 1, 'ok', 2000, 200, '{}', 'r1'),
    ('default', 'fraud', 'v1', ${w2}, ${w2e}, 'output', 'score', 'numerical', 'wasserstein', 0.02, NULL, 0.1, 0, 'ok', 2000, 200, '{}', 'r1'),
    ('default', 'fraud', 'v1', ${w2}, ${w2e}, 'dataset', '*', 'dataset', 'share', 1, NULL, 0.5, 1, 'ok', 2000, 200, '{}', 'r1')`);
  // The same window written twice: FINAL must show it once (the newer row).
  await store.command(`INSERT INTO drift_results (Project, ModelName, ModelVersion, WindowStart, WindowEnd, Source, Feature, Kind, Method,
      Statistic, PValue, Threshold, Drifted, Status, ReferenceRows, CurrentRows, Metrics, ReferenceId, ComputedAt) VALUES
    ('default', 'fraud', 'v1', ${w2}, ${w2e}, 'feature', 'amount', 'numerical', 'wasserstein', 0.45, NULL, 0.1, 1, 'ok', 2000, 210, '{}', 'r1', now64(3) + 1)`);
  await store.command(`INSERT INTO data_quality_results (Project, ModelName, ModelVersion, WindowStart, WindowEnd, Source, Feature, Metric, Value, Count, ReferenceId) VALUES
    ('default', 'fraud', 'v1', ${w2}, ${w2e}, 'feature', 'amount', 'missing_rate', 0.1, 20, 'r1'),
    ('default', 'fraud', 'v1', ${w2}, ${w2e}, 'feature', 'country', 'unseen_category_rate', 0, 0, 'r1')`);
  const burn = JSON.stringify([
    { longSeconds: 3600, shortSeconds: 300, factor: 14.4, longBurnRate: 2.4, shortBurnRate: 1.9, firing: false },
    { longSeconds: 21600, shortSeconds: 1800, factor: 6, longBurnRate: 1.2, shortBurnRate: 0.8, firing: false },
  ]);
  await store.command(`INSERT INTO sla_results (Project, Slo, ModelName, ModelVersion, Environment, WindowStart, WindowEnd, Rows, Requests, Errors, ErrorRate, Availability,
      LatencyP50, LatencyP90, LatencyP95, LatencyP99, LatencyPercentile, LatencyObservedMs, LatencyThresholdMs, LatencyMet, ErrorRateObjective, ErrorRateMet,
      AvailabilityTarget, AvailabilityMet, PeriodSeconds, PeriodRequests, PeriodErrors, ErrorBudgetRemaining, BurnRates, BurnRateFiring, Breached) VALUES
    ('default', 'fraud-prod', 'fraud', 'v1', 'prod', ${w1}, ${w1e}, 200, 200, 20, 0.1, 0.9, 60, 100, 110, 130, 99, 130, 300, 1, 0.01, 0, 0.999, 0, 2592000, 200, 20, -99, {burn:String}, 0, 1),
    ('default', 'fraud-prod', 'fraud', 'v2', 'prod', ${w1}, ${w1e}, 200, 200, 0, 0, 1, 60, 100, 110, 130, 99, 130, 300, 1, 0.01, 1, 0.999, 1, 2592000, 200, 0, 1, {burn:String}, 0, 0)`, { burn });
  await store.command(`INSERT INTO quality_results (Project, ModelName, ModelVersion, WindowStart, WindowEnd, Predictions, Labelled, LabelCoverage,
      LabelDelayP50Seconds, LabelDelayP90Seconds, LabelDelayMaxSeconds, ClassifiedRows, Accuracy, MacroPrecision, MacroRecall, MacroF1, Classes,
      ScoredRows, RocAuc, LogLoss, RegressionRows, Mae, Rmse, Mape, MaxFeedbackReceivedAt) VALUES
    ('default', 'fraud', 'v1', ${w1}, ${w1e}, 200, 150, 0.75, 600, 1800, 3600, 150, 0.93, 0.9, 0.91, 0.905, '{}', 150, 0.97, 0.2, 0, NULL, NULL, NULL, ${w1e}),
    ('default', 'fraud', 'v2', ${w1}, ${w1e}, 200, 0, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, '{}', 0, NULL, NULL, 0, NULL, NULL, NULL, ${w1e})`);
  const labels = "map('alertname', 'FeatureDrift', 'project', 'default', 'model', 'fraud', 'version', 'v1', 'feature', 'amount', 'severity', 'warning')";
  const annotations = "map('summary', 'Feature amount of fraud: 0.450')";
  const t = `toDateTime64(${T0 + 7200 + 5}, 3)`;
  await store.command(`INSERT INTO alert_events (Time, Rule, Fingerprint, FromState, ToState, Value, Labels, Annotations, ActiveAt) VALUES
    (${t}, 'FeatureDrift', 'fp1', 'inactive', 'firing', 0.45, ${labels}, ${annotations}, ${t}),
    (${t}, 'ModelSilent', 'fp2', 'inactive', 'pending', 960, map('alertname', 'ModelSilent', 'project', 'default', 'model', 'fraud'), map(), ${t})`);
  await store.command(`INSERT INTO alert_state (Fingerprint, Rule, State, Labels, Annotations, Value, ActiveAt, FiredAt, LastActiveAt, Deleted, UpdatedAt) VALUES
    ('fp1', 'FeatureDrift', 'firing', ${labels}, ${annotations}, 0.45, ${t}, ${t}, ${t}, 0, ${t}),
    ('fp2', 'ModelSilent', 'pending', map('alertname', 'ModelSilent', 'project', 'default', 'model', 'fraud'), map(), 960, ${t}, NULL, ${t}, 0, ${t}),
    ('fp3', 'OldAlert', 'firing', map('project', 'default'), map(), 1, ${t}, ${t}, ${t}, 0, ${t})`);
  // fp3 resolved later: FINAL keeps only the deleted row, so it must not count as active.
  await store.command(`INSERT INTO alert_state (Fingerprint, Rule, State, Labels, Annotations, Value, ActiveAt, FiredAt, LastActiveAt, Deleted, UpdatedAt) VALUES
    ('fp3', 'OldAlert', 'resolved', map('project', 'default'), map(), 0, ${t}, ${t}, ${t}, 1, ${t} + 1)`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inferlens-grafana-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir: dir });
  await store.migrate();
  await seed();
  readOnly = await startClickHouseHttpInterface({ dataDir: dir, host: '127.0.0.1', port: 0, username: 'grafana', password: 'dashboards', maxExecutionSeconds: 30, maxMemoryBytes: 1 << 30 });
  grafana = createClient({ url: readOnly.url, username: 'grafana', password: 'dashboards' });
});

afterAll(async () => {
  await grafana?.close();
  await readOnly?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- provisioning --------------------------------------------------------------------------
describe('provisioning files', () => {
  it('provisions the ClickHouse plugin data source over HTTP from environment variables', async () => {
    const file = readYaml('datasources/inferlens.yaml');
    expect(file.apiVersion).toBe(1);
    expect(file.datasources).toHaveLength(1);
    const ds = file.datasources[0];
    expect(ds).toMatchObject({ uid: DATASOURCE_UID, type: PLUGIN });
    expect(ds.jsonData).toMatchObject({
      host: '${INFERLENS_CLICKHOUSE_HOST}',
      port: '${INFERLENS_CLICKHOUSE_PORT}',
      protocol: 'http',
      username: '${INFERLENS_CLICKHOUSE_USERNAME}',
      defaultDatabase: '${INFERLENS_CLICKHOUSE_DATABASE}',
      traces: { defaultTable: 'otel_traces', otelEnabled: true },
      // otel_logs keeps TimestampTime: the plugin's 1.29.0 columns, not latest's (1.30.0).
      logs: { defaultTable: 'otel_logs', otelEnabled: true, otelVersion: '1.29.0', selectContextColumns: true, contextColumns: ['ServiceName'] },
    });
    expect(ds.secureJsonData).toEqual({ password: '${INFERLENS_CLICKHOUSE_PASSWORD}' });
    // The OTel tables the plugin's trace and log views are pointed at exist in the schema.
    const tables = await store.query<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('otel_traces', 'otel_logs')");
    expect(tables.map((t) => t.name).sort()).toEqual(['otel_logs', 'otel_traces']);
  });

  it("has a variant for the embedded store: the collector's read-only ClickHouse HTTP interface, same uid and dashboards", () => {
    const embedded = parseYaml(readFileSync(join(GRAFANA, 'provisioning-embedded/datasources/inferlens.yaml'), 'utf8')) as Record<string, any>;
    const server = readYaml('datasources/inferlens.yaml');
    const ds = embedded.datasources[0];
    expect(embedded.datasources).toHaveLength(1);
    expect(ds).toMatchObject({ uid: DATASOURCE_UID, type: PLUGIN, name: server.datasources[0].name });
    expect(ds.jsonData).toMatchObject({
      host: '${INFERLENS_COLLECTOR_HOST}',
      port: '${INFERLENS_CLICKHOUSE_HTTP_PORT}',
      protocol: 'http',
      username: '${INFERLENS_CLICKHOUSE_HTTP_USERNAME}',
      defaultDatabase: 'default',
      traces: { defaultDatabase: 'default', defaultTable: 'otel_traces', otelEnabled: true },
      logs: { defaultDatabase: 'default', defaultTable: 'otel_logs', otelEnabled: true, otelVersion: '1.29.0', selectContextColumns: true, contextColumns: ['ServiceName'] },
    });
    expect(ds.secureJsonData).toEqual({ password: '${INFERLENS_CLICKHOUSE_HTTP_PASSWORD}' });
    // Within the interface's time limit.
    expect(ds.jsonData.queryTimeout).toBeLessThanOrEqual(30);
    expect(readFileSync(join(GRAFANA, 'provisioning-embedded/dashboards/inferlens.yaml'), 'utf8')).toBe(readFileSync(join(GRAFANA, 'provisioning/dashboards/inferlens.yaml'), 'utf8'));
  });

  it('provisions the dashboards folder with a file provider', () => {
    const file = readYaml('dashboards/inferlens.yaml');
    expect(file.apiVersion).toBe(1);
    expect(file.providers).toHaveLength(1);
    expect(file.providers[0]).toMatchObject({ type: 'file', folder: 'Inferlens' });
    expect(file.providers[0].options.path).toMatch(/^\//);
  });
});

// ---- dashboards ----------------------------------------------------------------------------
describe('dashboards', () => {
  it('has the four dashboards, with unique uids', () => {
    expect(dashboards.map((d) => d.dashboard.title).sort()).toEqual([
      'Inferlens / Alerts',
      'Inferlens / Drift & data quality',
      'Inferlens / Inference overview',
      'Inferlens / SLA & quality',
    ]);
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(dashboards.length);
  });

  for (const { file, dashboard } of dashboards) {
    describe(file, () => {
      it('has a valid structure: schema version, unique panel ids, grid, ClickHouse SQL targets, defined variables', () => {
        expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36); // datasource references as { type, uid }
        expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
        const ids = dashboard.panels.map((p) => p.id);
        expect(new Set(ids).size, 'panel ids are unique').toBe(ids.length);
        const defined = new Set(dashboard.templating.list.map((v) => v.name));
        expect(defined).toEqual(new Set(['project', 'model', 'version']));
        for (const v of dashboard.templating.list) {
          expect(v.type).toBe('query');
          expect(v.datasource).toEqual({ type: PLUGIN, uid: DATASOURCE_UID });
          for (const used of variablesUsed(variableSql(v))) expect(defined, `${v.name} uses $${used}`).toContain(used);
        }
        for (const panel of dashboard.panels) {
          expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
          expect(panel.datasource).toEqual({ type: PLUGIN, uid: DATASOURCE_UID });
          expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
          for (const t of panel.targets!) {
            expect(t.datasource, panel.title).toEqual({ type: PLUGIN, uid: DATASOURCE_UID });
            expect(t.editorType).toBe('sql');
            // Without a 4.x pluginVersion the plugin migrates the query as a v3 query.
            expect(t.pluginVersion).toMatch(/^4\./);
            // The plugin's QueryType enum (grafana/clickhouse-datasource src/types/queryBuilder.ts): 'timeseries', not 'timeSeries'.
            expect(['timeseries', 'table']).toContain(t.queryType);
            expect(t.format).toBe(t.queryType === 'timeseries' ? 0 : 1);
            expect(t.rawSql?.trim().length).toBeGreaterThan(0);
            for (const used of variablesUsed(t.rawSql!)) expect(defined, `${panel.title} uses $${used}`).toContain(used);
            if (panel.type === 'timeseries' || panel.type === 'state-timeline') expect(t.queryType, panel.title).toBe('timeseries');
          }
        }
      });

      it("runs every variable's and panel's SQL on the engine and returns the columns the panel needs", async () => {
        // Variables resolve in order, as Grafana does: project takes its first option, model and
        // version "All" (every option, as a multi-value).
        const values: Record<string, string | string[]> = {};
        for (const v of dashboard.templating.list) {
          const result = await run(expand(variableSql(v), { ...RANGE, values }));
          expect(result.meta.length, `variable ${v.name}`).toBeGreaterThanOrEqual(1);
          const options = result.data.map((r) => String(Object.values(r)[0]));
          expect(options.length, `variable ${v.name} has options`).toBeGreaterThan(0);
          values[v.name] = v.multi ? options : options[0]!;
        }
        expect(values.project).toBe('default');
        expect(values.model).toContain('fraud');

        for (const panel of dashboard.panels) {
          for (const t of panel.targets!) {
            const sql = expand(t.rawSql!, { ...RANGE, values });
            let result: QueryResult;
            try {
              result = await run(sql);
            } catch (err) {
              throw new Error(`panel "${panel.title}" failed: ${(err as Error).message}\n${sql}`);
            }
            const names = result.meta.map((m) => m.name);
            expect(new Set(names).size, `${panel.title}: unique column names`).toBe(names.length);
            expect(result.data.length, `${panel.title}: returns rows for the seeded data`).toBeGreaterThan(0);
            const numeric = result.meta.filter((m) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(m.type));
            if (t.queryType === 'timeseries') {
              expect(names[0], `${panel.title}: first column is the time`).toBe('time');
              expect(result.meta[0]!.type, panel.title).toMatch(/^(Date|DateTime)/);
              expect(numeric.length, `${panel.title}: has value columns`).toBeGreaterThan(0);
              const times = result.data.map((r) => Date.parse(String(r.time).replace(' ', 'T') + 'Z'));
              expect(times.every((x) => Number.isFinite(x))).toBe(true);
              expect(times, `${panel.title}: sorted by time`).toEqual([...times].sort((a, b) => a - b));
              expect(Math.min(...times) / 1000).toBeGreaterThanOrEqual(RANGE.from - RANGE.intervalSeconds);
              expect(Math.max(...times) / 1000).toBeLessThanOrEqual(RANGE.to);
            }
            if (panel.type === 'stat') {
              expect(result.data, `${panel.title}: one row`).toHaveLength(1);
              expect(numeric.length, `${panel.title}: numeric`).toBeGreaterThan(0);
            }
            for (const o of panel.fieldConfig?.overrides ?? []) {
              if (o.matcher.id === 'byName') expect(names, `${panel.title}: override target`).toContain(o.matcher.options);
            }
          }
        }
      });
    });
  }

  it('reads the result tables with FINAL, so a recomputed window counts once', async () => {
    const drift = dashboards.find((d) => d.dashboard.uid === 'inferlens-drift')!.dashboard;
    const latest = drift.panels.find((p) => p.title === 'Latest window per column')!;
    const rows = (await run(expand(latest.targets![0]!.rawSql!, { ...RANGE, values: { project: 'default', model: ['fraud'], version: ['v1'] } }))).data;
    const amount = rows.filter((r) => r.feature === 'amount');
    expect(amount).toHaveLength(1);
    expect(amount[0]).toMatchObject({ statistic: 0.45, drifted: 1 });
    for (const p of [...drift.panels]) {
      if (/FROM (drift_results|data_quality_results)(?! FINAL)/.test(p.targets![0]!.rawSql!)) throw new Error(`${p.title} reads without FINAL`);
    }

    const alerts = dashboards.find((d) => d.dashboard.uid === 'inferlens-alerts')!.dashboard;
    const active = alerts.panels.find((p) => p.title === 'Active alerts')!;
    const activeRows = (await run(expand(active.targets![0]!.rawSql!, { ...RANGE, values: { project: 'default', model: ['fraud'], version: ['v1'] } }))).data;
    expect(activeRows.map((r) => `${r.alertname}:${r.state}`)).toEqual(['FeatureDrift:firing', 'ModelSilent:pending']);
  });

  it('filters by project, model and version', async () => {
    const overview = dashboards.find((d) => d.dashboard.uid === 'inferlens-inference')!.dashboard;
    const count = overview.panels.find((p) => p.title === 'Predictions')!.targets![0]!.rawSql!;
    const total = async (values: Context['values']) => Number((await run(expand(count, { ...RANGE, values }))).data[0]!.predictions);
    expect(await total({ project: 'default', model: ['fraud'], version: ['v1'] })).toBe(200);
    expect(await total({ project: 'default', model: ['fraud'], version: ['v1', 'v2'] })).toBe(400);
    // chat v1: 200 rows, half of them sampled at 0.5, so 300 predictions.
    expect(await total({ project: 'default', model: ['chat'], version: ['v1'] })).toBe(300);
    expect(await total({ project: 'other', model: ['fraud'], version: ['v1'] })).toBe(0);
  });
});

// ---- the plugin's own SQL for its OpenTelemetry trace and log views ---------------------------
// test/fixtures/grafana-plugin/otel-views.json holds the SQL the plugin (4.20.0, commit 1d04063)
// generates for its trace search, trace-ID lookup (with and without the `_trace_id_ts`
// shortcut), "View trace" and "View logs" links, logs query, logs volume, logs sample and log
// context, with this provisioning. Each runs on the collector's tables through the read-only
// interface, as Grafana's would, and on the OpenTelemetry Collector ClickHouse exporter's own
// tables (its templates' DDL, in a database `exporter` of the same engine) holding the same
// spans and log records: the same rows, in the same order, with the same column names and types.
interface PluginQuery { name: string; view: string; sql: string }
const PLUGIN_SQL = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/grafana-plugin/otel-views.json', import.meta.url)), 'utf8')) as { plugin: { version: string; commit: string }; queries: PluginQuery[] };

/** The exporter's tables as its templates make them: traces_table.sql at 2bf6b9e (bloom-filter variant), traces_id_ts_lookup_*.sql at 1b08503, logs_table.sql up to v0.150.0. */
const EXPORTER_DDL = [
  'CREATE DATABASE IF NOT EXISTS exporter',
  `CREATE TABLE exporter.otel_traces (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)), TraceId String CODEC(ZSTD(1)), SpanId String CODEC(ZSTD(1)), ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)), SpanName LowCardinality(String) CODEC(ZSTD(1)), SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)), ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)), ScopeVersion String CODEC(ZSTD(1)), SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)), StatusCode LowCardinality(String) CODEC(ZSTD(1)), StatusMessage String CODEC(ZSTD(1)),
    Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
  ) ENGINE = MergeTree PARTITION BY toDate(Timestamp) PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
  ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp) SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  `CREATE TABLE exporter.otel_traces_trace_id_ts (TraceId String CODEC(ZSTD(1)), Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))) ENGINE = AggregatingMergeTree PARTITION BY toStartOfWeek(Start) ORDER BY (TraceId)`,
  `CREATE MATERIALIZED VIEW exporter.otel_traces_trace_id_ts_mv TO exporter.otel_traces_trace_id_ts AS
    SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End FROM exporter.otel_traces WHERE TraceId != '' GROUP BY TraceId`,
  `CREATE TABLE exporter.otel_logs (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)), TimestampTime DateTime DEFAULT toDateTime(Timestamp), TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)), TraceFlags UInt8, SeverityText LowCardinality(String) CODEC(ZSTD(1)), SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)), Body String CODEC(ZSTD(1)), ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)), ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)), ScopeVersion LowCardinality(String) CODEC(ZSTD(1)), ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)), EventName String CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1, INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
  ) ENGINE = MergeTree PARTITION BY toDate(TimestampTime) PRIMARY KEY (ServiceName, TimestampTime) ORDER BY (ServiceName, TimestampTime, Timestamp)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
];

const TRACE = { checkout: '4bf92f3577b34da6a3ce929d0e0e4736', payment: '00f067aa0ba902b7a3ce929d0e0e4736', other: '5b8efff798038103d269b633813fc60c' };

/** Spans and log records, written by name into the collector's tables and copied into the exporter's: three traces in two projects, events, links, an error, logs of three levels over three minutes. */
async function seedOtel(): Promise<void> {
  const ns = (seconds: number, nanos = 0) => `${T0 + seconds}.${String(nanos).padStart(9, '0')}`;
  const span = (o: Partial<SpanRow>): SpanRow => ({
    Timestamp: ns(0), TraceId: '', SpanId: '', ParentSpanId: '', TraceState: '', SpanName: '', SpanKind: 'Server', ServiceName: '',
    ResourceAttributes: {}, ScopeName: 'inferlens-test', ScopeVersion: '1.0.0', SpanAttributes: {}, Duration: '0', StatusCode: 'Unset', StatusMessage: '',
    EventsTimestamp: [], EventsName: [], EventsAttributes: [], LinksTraceId: [], LinksSpanId: [], LinksTraceState: [], LinksAttributes: [], Project: 'default', IngestKey: '', ...o,
  });
  await store.insert(OTEL_TRACES, [
    span({ Timestamp: ns(60, 123_456_789), TraceId: TRACE.checkout, SpanId: 'a000000000000001', SpanName: 'GET /cart', ServiceName: 'checkout', Duration: '250000000',
      ResourceAttributes: { 'service.name': 'checkout', 'host.name': 'web-1' }, SpanAttributes: { 'http.route': '/cart', 'http.status_code': '200' } }),
    span({ Timestamp: ns(60, 200_000_000), TraceId: TRACE.checkout, SpanId: 'a000000000000002', ParentSpanId: 'a000000000000001', SpanName: 'predict', SpanKind: 'Internal',
      ServiceName: 'checkout', Duration: '120000000', SpanAttributes: { 'inferlens.model.name': 'fraud' },
      EventsTimestamp: [ns(60, 250_000_000)], EventsName: ['first-token'], EventsAttributes: [{ tokens: '1' }],
      LinksTraceId: [TRACE.payment], LinksSpanId: ['b000000000000001'], LinksTraceState: ['k=v'], LinksAttributes: [{ reason: 'follows' }] }),
    span({ Timestamp: ns(120, 5), TraceId: TRACE.payment, SpanId: 'b000000000000001', SpanName: 'charge', ServiceName: 'payments', Duration: '900000000',
      StatusCode: 'Error', StatusMessage: 'card declined', TraceState: 'vendor=1' }),
    span({ Timestamp: ns(180), TraceId: TRACE.other, SpanId: 'c000000000000001', SpanName: 'GET /cart', ServiceName: 'checkout', Duration: '50000000', Project: 'other' }),
  ]);
  const log = (o: Partial<LogRow>): LogRow => ({
    Timestamp: ns(0), TraceId: '', SpanId: '', TraceFlags: 1, SeverityText: 'INFO', SeverityNumber: 9, ServiceName: '', Body: '', ResourceSchemaUrl: '',
    ResourceAttributes: {}, ScopeSchemaUrl: '', ScopeName: 'inferlens-test', ScopeVersion: '1.0.0', ScopeAttributes: { lib: 'test' }, LogAttributes: {}, EventName: '', Project: 'default', ...o,
  });
  await store.insert(OTEL_LOGS, [
    log({ Timestamp: ns(60, 130_000_000), TraceId: TRACE.checkout, SpanId: 'a000000000000001', ServiceName: 'checkout', Body: 'cart read', ResourceAttributes: { 'service.name': 'checkout' } }),
    log({ Timestamp: ns(60, 210_000_000), TraceId: TRACE.checkout, SpanId: 'a000000000000002', ServiceName: 'checkout', Body: 'model called', LogAttributes: { model: 'fraud' } }),
    log({ Timestamp: ns(61), TraceId: TRACE.checkout, SpanId: 'a000000000000002', ServiceName: 'checkout', Body: 'slow model', SeverityText: 'WARN', SeverityNumber: 13 }),
    log({ Timestamp: ns(120, 10), TraceId: TRACE.payment, SpanId: 'b000000000000001', ServiceName: 'payments', Body: 'card declined', SeverityText: 'ERROR', SeverityNumber: 17 }),
    log({ Timestamp: ns(150), ServiceName: 'checkout', Body: 'no trace here' }),
    log({ Timestamp: ns(180, 1), TraceId: TRACE.other, ServiceName: 'checkout', Body: 'other project', Project: 'other' }),
  ]);
  for (const s of EXPORTER_DDL) await store.command(s);
  const copy = async (table: string, columns: readonly string[]) =>
    store.command(`INSERT INTO exporter.${table} (${columns.map((c) => `\`${c}\``).join(', ')}) SELECT ${columns.map((c) => `\`${c}\``).join(', ')} FROM default.${table}`);
  await copy('otel_traces', OTEL_TRACES.columns.filter((c) => c !== 'Project' && c !== 'IngestKey'));
  await copy('otel_logs', OTEL_LOGS.columns.filter((c) => !['Project', 'IngestKey', 'IngestRow'].includes(c)));
}

describe("the plugin's own SQL for its OpenTelemetry trace and log views", () => {
  let context: { timeEpochNs: string; service: string };
  beforeAll(async () => {
    await seedOtel();
    const [row] = await store.query<{ ns: string; service: string }>(
      "SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ns, ServiceName AS service FROM otel_logs WHERE Body = 'slow model'",
    );
    context = { timeEpochNs: row!.ns, service: row!.service };
  });

  const fill = (sql: string) =>
    expand(
      sql.replaceAll('__TRACE_ID__', TRACE.checkout).replaceAll('__ROW_TIME_EPOCH_NS__', context.timeEpochNs).replaceAll('__ROW_SERVICE_NAME__', context.service),
      { ...RANGE, values: {} },
    );

  it('covers the views: trace search, trace-ID lookup with and without the _trace_id_ts shortcut, links, logs for a trace, logs volume and sample, context', () => {
    expect(PLUGIN_SQL.plugin.commit).toMatch(/^[0-9a-f]{40}$/);
    const names = PLUGIN_SQL.queries.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['trace-search', 'trace-id-shortcut', 'trace-id-plain', 'trace-id-from-logs', 'logs-search', 'logs-for-trace-from-traces', 'logs-volume', 'logs-sample', 'log-context-backward', 'log-context-forward']));
    expect(PLUGIN_SQL.queries.find((q) => q.name === 'trace-id-shortcut')!.sql).toContain('"otel_traces_trace_id_ts"');
    // The pinned logs version reads TimestampTime and keeps the sample's ORDER BY.
    expect(PLUGIN_SQL.queries.find((q) => q.name === 'logs-sample')!.sql).toMatch(/ORDER BY TimestampTime DESC LIMIT 100$/);
  });

  for (const q of PLUGIN_SQL.queries) {
    it(`${q.name}: the same rows on Inferlens' tables (through the read-only interface) as on the exporter's (${q.view})`, async () => {
      const ours = await run(fill(q.sql));
      const rs = await store.client.query({ query: fill(q.sql).replaceAll('"default".', '"exporter".'), format: 'JSON' });
      const theirs = (await rs.json()) as unknown as QueryResult;
      expect(ours.meta).toEqual(theirs.meta);
      expect(ours.data).toEqual(theirs.data);
      expect(ours.data.length, 'returns rows for the seeded spans and logs').toBeGreaterThan(0);
    });
  }

  it('the trace-ID lookup gives the whole trace: both spans, the event and the link', async () => {
    const rows = (await run(fill(PLUGIN_SQL.queries.find((q) => q.name === 'trace-id-shortcut')!.sql))).data;
    expect(rows.map((r) => r.spanID).sort()).toEqual(['a000000000000001', 'a000000000000002']);
    const predict = rows.find((r) => r.spanID === 'a000000000000002')!;
    expect(predict.references).toEqual([{ traceID: TRACE.payment, spanID: 'b000000000000001', tags: [{ key: 'reason', value: 'follows' }] }]);
    expect((predict.logs as Array<{ name: string }>).map((l) => l.name)).toEqual(['first-token']);
  });
});
