import { Bool8, DateTime64Millis, Float64, LowCardinalityString, NullableBool8, NullableFloat64, Str, UInt32, UInt64 } from './column-types.js';
import { column, defineTable, generated, type RowType } from './TableDefinition.js';

const name = column(LowCardinalityString);
const maybe = column(NullableFloat64);

/** `sla_results`: one row per SLO, model version and closed window; a recomputed window replaces its row. */
export const SLA_RESULTS = defineTable(
  'sla_results',
  {
    Project: name,
    Slo: name,
    ModelName: name,
    ModelVersion: name,
    Environment: name,
    WindowStart: column(DateTime64Millis),
    WindowEnd: column(DateTime64Millis),
    /** Stored prediction rows in the window. */
    Rows: column(UInt64),
    /** Predictions represented, each row weighted by 1 / SampleRate. */
    Requests: column(Float64),
    Errors: column(Float64),
    ErrorRate: column(Float64),
    Availability: column(Float64),
    LatencyP50: maybe,
    LatencyP90: maybe,
    LatencyP95: maybe,
    LatencyP99: maybe,
    LatencyPercentile: maybe,
    LatencyObservedMs: maybe,
    LatencyThresholdMs: maybe,
    LatencyMet: column(NullableBool8),
    ErrorRateObjective: maybe,
    ErrorRateMet: column(NullableBool8),
    AvailabilityTarget: maybe,
    AvailabilityMet: column(NullableBool8),
    PeriodSeconds: column(UInt32),
    PeriodRequests: column(Float64),
    PeriodErrors: column(Float64),
    ErrorBudgetRemaining: maybe,
    /** The burn rates of every multiwindow pair, as JSON. */
    BurnRates: column(Str, { codec: 'ZSTD(1)' }),
    BurnRateFiring: column(Bool8),
    Breached: column(Bool8),
    ComputedAt: generated(DateTime64Millis, 'now64(3)'),
  },
  {
    engine: 'ReplacingMergeTree(ComputedAt)',
    partitionBy: 'toYYYYMM(WindowStart)',
    orderBy: '(Project, ModelName, ModelVersion, Slo, WindowStart)',
  },
);

/** One row of `sla_results`. Times are Unix milliseconds. */
export type SlaResultRow = RowType<typeof SLA_RESULTS>;
