import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ClickHouseStore, type StoreOptions } from '../store/ClickHouseStore.js';
import { InsertBatcher, type BatchOptions } from '../store/InsertBatcher.js';
import { InsertHealth } from '../store/InsertHealth.js';
import { DiskFullGuard } from '../store/DiskFullGuard.js';
import { FEEDBACK } from '../store/schema/feedback.js';
import { OTEL_LOGS } from '../store/schema/otel-logs.js';
import { OTEL_METRICS_EXPONENTIAL_HISTOGRAM, OTEL_METRICS_GAUGE, OTEL_METRICS_HISTOGRAM, OTEL_METRICS_SUM, OTEL_METRICS_SUMMARY } from '../store/schema/otel-metrics.js';
import type { ExponentialHistogramRow, GaugeRow, HistogramRow, SumRow, SummaryRow } from '../store/schema/otel-metrics.js';
import { OTEL_TRACES } from '../store/schema/otel-traces.js';
import { PREDICTIONS } from '../store/schema/predictions.js';
import { READINESS_PROBE } from '../store/schema/readiness-probe.js';
import type { RowCodec } from '../store/schema/TableDefinition.js';
import { formatUnixNanos } from '../ingest/native/format-unix-nanos.js';
import type { FeedbackRow } from '../store/schema/feedback.js';
import type { LogRow } from '../store/schema/otel-logs.js';
import type { PredictionRow } from '../store/schema/predictions.js';
import type { SpanRow } from '../store/schema/otel-traces.js';
import { MIGRATIONS } from '../store/migrations.js';
import { METRICS_PLUGIN } from '../metrics/metrics-plugin.js';

/** One batcher per table that ingestion writes to. */
export interface Batchers {
  spans: InsertBatcher<SpanRow>;
  logs: InsertBatcher<LogRow>;
  predictions: InsertBatcher<PredictionRow>;
  feedback: InsertBatcher<FeedbackRow>;
  /** The five `otel_metrics_*` tables (`POST /v1/metrics`). */
  gauge: InsertBatcher<GaugeRow>;
  sum: InsertBatcher<SumRow>;
  histogram: InsertBatcher<HistogramRow>;
  exponentialHistogram: InsertBatcher<ExponentialHistogramRow>;
  summary: InsertBatcher<SummaryRow>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The ClickHouse store, opened and migrated before the server listens. */
    store: ClickHouseStore;
    /** Shared insert batchers; closed (flushed) when the server closes. */
    batchers: Batchers;
    /** Readiness from the batchers' insert outcomes (`/readyz`). */
    insertHealth: InsertHealth;
  }
}

/** Makes one batcher per table that ingestion writes to, each with `make` (the one list of those tables). */
export function makeBatchers(make: <R>(codec: RowCodec<R>) => InsertBatcher<R>): Batchers {
  return {
    spans: make(OTEL_TRACES),
    logs: make(OTEL_LOGS),
    predictions: make(PREDICTIONS),
    feedback: make(FEEDBACK),
    gauge: make(OTEL_METRICS_GAUGE),
    sum: make(OTEL_METRICS_SUM),
    histogram: make(OTEL_METRICS_HISTOGRAM),
    exponentialHistogram: make(OTEL_METRICS_EXPONENTIAL_HISTOGRAM),
    summary: make(OTEL_METRICS_SUMMARY),
  };
}

/** Options of {@link storePlugin}. */
export interface StorePluginOptions {
  store: StoreOptions;
  batch: Partial<BatchOptions>;
}

/** Name under which other plugins declare their dependency on {@link storePlugin}. */
export const STORE_PLUGIN = 'inferlens-store';

/**
 * Opens the store, applies migrations and creates the insert batchers, whose insert outcomes
 * feed `insertHealth`; its probe writes one row to `inferlens_readiness_probe` the way the
 * batchers write theirs (RowBinary, through the store's sink). On close,
 * pending batches are flushed before the store is closed, so a graceful stop
 * loses nothing that was accepted.
 */
async function storeSetup(app: FastifyInstance, opts: StorePluginOptions): Promise<void> {
  const store = await ClickHouseStore.open(opts.store);
  const applied = await store.migrate();
  if (applied.length > 0) app.log.info({ applied }, 'schema migrations applied');
  await store.keepReplacedParts();
  const insertHealth = new InsertHealth({
    probe: () => store.insert(READINESS_PROBE, [{ Id: 0, ProbedAt: formatUnixNanos(BigInt(Date.now()) * 1_000_000n) }]),
  });
  // Set once the batchers exist: a full disk met by an insert starts its work (embedded store).
  let guard: DiskFullGuard | undefined;
  const onInsert = (table: string, err: unknown, seconds: number) => {
    insertHealth.record(table, err);
    if (err !== undefined) guard?.noteFailure(err);
    app.metrics.insertDuration.observe({ table }, seconds);
    if (err !== undefined) app.metrics.insertFailures.inc({ table });
  };
  const onRepair = (table: string, err: unknown, seconds: number) => {
    app.metrics.tableRepairs.inc({ table, outcome: err === undefined ? 'repaired' : 'failed' });
    if (err === undefined) app.log.warn({ table, seconds }, 'a damaged part of the table was detached (DETACH and ATTACH TABLE); inserts go on');
    else app.log.error({ table, seconds, err }, 'repairing a table with a damaged part failed; its inserts are refused until a repair succeeds');
  };
  const batchers = makeBatchers((codec) => new InsertBatcher(store, codec, opts.batch, { onInsert, onRepair }));
  if (opts.store.mode === 'embedded') {
    guard = new DiskFullGuard({
      store,
      dataDir: opts.store.dataDir,
      log: app.log,
      // A table ingestion writes to is repaired by its batcher, which holds its inserts back meanwhile.
      repair: async (table) => {
        const batcher = Object.values(batchers).find((b: InsertBatcher<unknown>) => b.table === table) as InsertBatcher<unknown> | undefined;
        if (batcher) return batcher.repair();
        const started = performance.now();
        try {
          await store.repairTable?.(table);
          onRepair(table, undefined, (performance.now() - started) / 1000);
        } catch (err) {
          onRepair(table, err, (performance.now() - started) / 1000);
          throw err;
        }
      },
    });
  }
  guard?.watch();
  app.decorate('store', store);
  app.decorate('batchers', batchers);
  app.decorate('insertHealth', insertHealth);
  app.addHook('onClose', async () => {
    await Promise.all(Object.values(batchers).map((b) => b.close()));
    await guard?.close();
    await store.close();
  });
}

/** The store as a plugin of the root instance: decorates it with `store`, `batchers` and `insertHealth` (see {@link storeSetup}). */
export const storePlugin = fp(storeSetup, { name: STORE_PLUGIN, fastify: '5.x', dependencies: [METRICS_PLUGIN], decorators: { fastify: ['metrics'] } });

/** The newest migration version this build knows. */
export const LATEST_MIGRATION = Math.max(...MIGRATIONS.map((m) => m.version));
