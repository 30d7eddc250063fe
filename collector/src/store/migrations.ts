/**
 * Versioned schema migrations. Each migration is a list of statements run in
 * order; the version is recorded in `inferlens_schema_migrations` once all of
 * them succeed. Statements are written `IF NOT EXISTS`, so a migration that was
 * interrupted half-way can run again safely. Never edit a released migration:
 * add a new one.
 */

/** One schema migration. */
export interface Migration {
  /** Strictly increasing version number. */
  version: number;
  /** Short human-readable name, stored beside the version. */
  name: string;
  /** DDL statements, run in order. */
  statements: string[];
}

/** Name of the table that records applied migrations. */
export const MIGRATIONS_TABLE = 'inferlens_schema_migrations';

const otelTraces = `CREATE TABLE IF NOT EXISTS otel_traces (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
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
    Project LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

const otelTracesIdTs = `CREATE TABLE IF NOT EXISTS otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = AggregatingMergeTree
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

const otelTracesIdTsMv = `CREATE MATERIALIZED VIEW IF NOT EXISTS otel_traces_trace_id_ts_mv
TO otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS End
FROM otel_traces
WHERE TraceId != ''
GROUP BY TraceId`;

const otelLogs = `CREATE TABLE IF NOT EXISTS otel_logs (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),
    Project LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = MergeTree
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

const predictions = `CREATE TABLE IF NOT EXISTS predictions (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    PredictionId String CODEC(ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    Project LowCardinality(String),
    ServiceName LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    Environment LowCardinality(String),
    Segment LowCardinality(String),
    LatencyMs Float64 CODEC(ZSTD(1)),
    Status LowCardinality(String),
    ErrorType LowCardinality(String),
    NumericFeatures Map(LowCardinality(String), Float64) CODEC(ZSTD(1)),
    CategoricalFeatures Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    NumericOutputs Map(LowCardinality(String), Float64) CODEC(ZSTD(1)),
    CategoricalOutputs Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    InputTokens UInt32,
    OutputTokens UInt32,
    SampleRate Float64 DEFAULT 1,
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ReceivedAt DateTime64(3) DEFAULT now64(3),
    INDEX idx_prediction_id PredictionId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (Project, ModelName, ModelVersion, Timestamp)`;

const feedback = `CREATE TABLE IF NOT EXISTS feedback (
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
ORDER BY (Project, PredictionId)`;

// Ingestion writes predictions here: parallel key/value arrays parse about 25% faster
// than Map objects in JSONCompactEachRow (measured in test/bench), and the view turns
// them into the Map columns of \`predictions\` inside the same INSERT.
const predictionsIngest = `CREATE TABLE IF NOT EXISTS predictions_ingest (
    Timestamp DateTime64(9),
    PredictionId String,
    TraceId String,
    SpanId String,
    Project String,
    ServiceName String,
    ModelName String,
    ModelVersion String,
    Environment String,
    Segment String,
    LatencyMs Float64,
    Status String,
    ErrorType String,
    NumericFeatureKeys Array(String),
    NumericFeatureValues Array(Float64),
    CategoricalFeatureKeys Array(String),
    CategoricalFeatureValues Array(String),
    NumericOutputKeys Array(String),
    NumericOutputValues Array(Float64),
    CategoricalOutputKeys Array(String),
    CategoricalOutputValues Array(String),
    InputTokens UInt32,
    OutputTokens UInt32,
    SampleRate Float64,
    AttributeKeys Array(String),
    AttributeValues Array(String)
) ENGINE = Null`;

const predictionsIngestMv = `CREATE MATERIALIZED VIEW IF NOT EXISTS predictions_ingest_mv TO predictions AS
SELECT Timestamp, PredictionId, TraceId, SpanId, Project, ServiceName, ModelName, ModelVersion, Environment, Segment,
       LatencyMs, Status, ErrorType,
       mapFromArrays(NumericFeatureKeys, NumericFeatureValues) AS NumericFeatures,
       mapFromArrays(CategoricalFeatureKeys, CategoricalFeatureValues) AS CategoricalFeatures,
       mapFromArrays(NumericOutputKeys, NumericOutputValues) AS NumericOutputs,
       mapFromArrays(CategoricalOutputKeys, CategoricalOutputValues) AS CategoricalOutputs,
       InputTokens, OutputTokens, SampleRate,
       mapFromArrays(AttributeKeys, AttributeValues) AS Attributes
FROM predictions_ingest`;

const referenceData = `CREATE TABLE IF NOT EXISTS reference_data (
    Project LowCardinality(String),
    ReferenceId String,
    RowIndex UInt64,
    NumericFeatures Map(LowCardinality(String), Float64),
    CategoricalFeatures Map(LowCardinality(String), String),
    NumericOutputs Map(LowCardinality(String), Float64),
    CategoricalOutputs Map(LowCardinality(String), String)
) ENGINE = MergeTree
ORDER BY (Project, ReferenceId, RowIndex)`;

// One row per model version's reference; a replacement is a newer row for the same key.
const referenceProfiles = `CREATE TABLE IF NOT EXISTS reference_profiles (
    Project LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    ReferenceId String,
    Kind LowCardinality(String),
    SourceVersion String,
    SourceFrom Nullable(DateTime64(3)),
    SourceTo Nullable(DateTime64(3)),
    Rows UInt64,
    Profile String CODEC(ZSTD(3)),
    CreatedAt DateTime64(3) DEFAULT now64(3),
    Deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(CreatedAt)
ORDER BY (Project, ModelName, ModelVersion)`;

const driftResults = `CREATE TABLE IF NOT EXISTS drift_results (
    Project LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    WindowStart DateTime64(3),
    WindowEnd DateTime64(3),
    Source LowCardinality(String),
    Feature LowCardinality(String),
    Kind LowCardinality(String),
    Method LowCardinality(String),
    Statistic Float64,
    PValue Nullable(Float64),
    Threshold Float64,
    Drifted UInt8,
    Status LowCardinality(String),
    ReferenceRows UInt64,
    CurrentRows UInt64,
    Metrics String CODEC(ZSTD(1)),
    ReferenceId String,
    ComputedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toYYYYMM(WindowStart)
ORDER BY (Project, ModelName, ModelVersion, WindowStart, Source, Feature)`;

const jobCheckpoints = `CREATE TABLE IF NOT EXISTS job_checkpoints (
    Job LowCardinality(String),
    Project LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    WindowEnd DateTime64(3),
    UpdatedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(UpdatedAt)
ORDER BY (Job, Project, ModelName, ModelVersion)`;

// One row per SLO, model version and closed window; a recomputed window replaces its row.
const slaResults = `CREATE TABLE IF NOT EXISTS sla_results (
    Project LowCardinality(String),
    Slo LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    Environment LowCardinality(String),
    WindowStart DateTime64(3),
    WindowEnd DateTime64(3),
    Rows UInt64,
    Requests Float64,
    Errors Float64,
    ErrorRate Float64,
    Availability Float64,
    LatencyP50 Nullable(Float64),
    LatencyP90 Nullable(Float64),
    LatencyP95 Nullable(Float64),
    LatencyP99 Nullable(Float64),
    LatencyPercentile Nullable(Float64),
    LatencyObservedMs Nullable(Float64),
    LatencyThresholdMs Nullable(Float64),
    LatencyMet Nullable(UInt8),
    ErrorRateObjective Nullable(Float64),
    ErrorRateMet Nullable(UInt8),
    AvailabilityTarget Nullable(Float64),
    AvailabilityMet Nullable(UInt8),
    PeriodSeconds UInt32,
    PeriodRequests Float64,
    PeriodErrors Float64,
    ErrorBudgetRemaining Nullable(Float64),
    BurnRates String CODEC(ZSTD(1)),
    BurnRateFiring UInt8,
    Breached UInt8,
    ComputedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toYYYYMM(WindowStart)
ORDER BY (Project, ModelName, ModelVersion, Slo, WindowStart)`;

const alertEvents = `CREATE TABLE IF NOT EXISTS alert_events (
    Time DateTime64(3),
    Rule LowCardinality(String),
    Fingerprint String,
    FromState LowCardinality(String),
    ToState LowCardinality(String),
    Value Float64,
    Labels Map(LowCardinality(String), String),
    Annotations Map(LowCardinality(String), String),
    ActiveAt DateTime64(3)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(Time)
ORDER BY (Time, Rule, Fingerprint)`;

// Pending and firing alerts, so a restart keeps them; a resolved one is a row with Deleted = 1.
const alertState = `CREATE TABLE IF NOT EXISTS alert_state (
    Fingerprint String,
    Rule LowCardinality(String),
    State LowCardinality(String),
    Labels Map(LowCardinality(String), String),
    Annotations Map(LowCardinality(String), String),
    Value Float64,
    ActiveAt DateTime64(3),
    FiredAt Nullable(DateTime64(3)),
    LastActiveAt DateTime64(3),
    Deleted UInt8,
    UpdatedAt DateTime64(3)
) ENGINE = ReplacingMergeTree(UpdatedAt)
ORDER BY Fingerprint`;

const alertNotifications = `CREATE TABLE IF NOT EXISTS alert_notifications (
    Time DateTime64(3),
    Receiver LowCardinality(String),
    Kind LowCardinality(String),
    GroupKey String,
    Status LowCardinality(String),
    Attempts UInt8,
    Alerts UInt32,
    Error String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(Time)
ORDER BY (Time, Receiver)`;

// One row per model version and closed window, rewritten when late feedback lands for the window.
const qualityResults = `CREATE TABLE IF NOT EXISTS quality_results (
    Project LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    WindowStart DateTime64(3),
    WindowEnd DateTime64(3),
    Predictions UInt64,
    Labelled UInt64,
    LabelCoverage Float64,
    LabelDelayP50Seconds Nullable(Float64),
    LabelDelayP90Seconds Nullable(Float64),
    LabelDelayMaxSeconds Nullable(Float64),
    ClassifiedRows UInt64,
    Accuracy Nullable(Float64),
    MacroPrecision Nullable(Float64),
    MacroRecall Nullable(Float64),
    MacroF1 Nullable(Float64),
    Classes String CODEC(ZSTD(1)),
    ScoredRows UInt64,
    RocAuc Nullable(Float64),
    LogLoss Nullable(Float64),
    RegressionRows UInt64,
    Mae Nullable(Float64),
    Rmse Nullable(Float64),
    Mape Nullable(Float64),
    MaxFeedbackReceivedAt DateTime64(3),
    ComputedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toYYYYMM(WindowStart)
ORDER BY (Project, ModelName, ModelVersion, WindowStart)`;

const dataQualityResults = `CREATE TABLE IF NOT EXISTS data_quality_results (
    Project LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    WindowStart DateTime64(3),
    WindowEnd DateTime64(3),
    Source LowCardinality(String),
    Feature LowCardinality(String),
    Metric LowCardinality(String),
    Value Float64,
    Count UInt64,
    ReferenceId String,
    ComputedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toYYYYMM(WindowStart)
ORDER BY (Project, ModelName, ModelVersion, WindowStart, Source, Feature, Metric)`;

// One row per model version (after merges): first and last event time and last arrival time.
// The traffic alert source reads arrival times here, and the jobs list their streams here,
// instead of scanning `predictions`. min/max are idempotent, so the backfill below may run twice.
const modelActivity = `CREATE TABLE IF NOT EXISTS model_activity (
    Project LowCardinality(String),
    ModelName LowCardinality(String),
    ModelVersion LowCardinality(String),
    FirstTimestamp SimpleAggregateFunction(min, DateTime64(9)),
    LastTimestamp SimpleAggregateFunction(max, DateTime64(9)),
    LastReceivedAt SimpleAggregateFunction(max, DateTime64(3))
) ENGINE = AggregatingMergeTree
ORDER BY (Project, ModelName, ModelVersion)`;

const modelActivitySelect = `SELECT Project, ModelName, ModelVersion, min(Timestamp) AS FirstTimestamp, max(Timestamp) AS LastTimestamp, max(ReceivedAt) AS LastReceivedAt
FROM predictions GROUP BY Project, ModelName, ModelVersion`;

const modelActivityMv = `CREATE MATERIALIZED VIEW IF NOT EXISTS model_activity_mv TO model_activity AS ${modelActivitySelect}`;

const modelActivityBackfill = `INSERT INTO model_activity ${modelActivitySelect}`;

// What `/readyz` writes while ingestion's inserts fail (store-plugin.ts): one row per probe, kept
// to one row by merges (every row has the same key).
const readinessProbe = `CREATE TABLE IF NOT EXISTS inferlens_readiness_probe (
    Id UInt8,
    ProbedAt DateTime64(9)
) ENGINE = ReplacingMergeTree(ProbedAt)
ORDER BY Id`;

/**
 * Every migration, in order. `feedback` is a ReplacingMergeTree keyed by
 * prediction id, so a correction sent later replaces the earlier label once
 * parts merge (read with `FINAL` or `argMax` for an exact answer).
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'otel tables', statements: [otelTraces, otelTracesIdTs, otelTracesIdTsMv, otelLogs] },
  { version: 2, name: 'predictions and feedback', statements: [predictions, feedback] },
  { version: 3, name: 'predictions ingest view', statements: [predictionsIngest, predictionsIngestMv] },
  { version: 4, name: 'references, drift results, job checkpoints', statements: [referenceData, referenceProfiles, driftResults, jobCheckpoints] },
  { version: 5, name: 'sla and quality results', statements: [slaResults, qualityResults] },
  { version: 6, name: 'alert events, state and notifications', statements: [alertEvents, alertState, alertNotifications] },
  { version: 7, name: 'data quality results', statements: [dataQualityResults] },
  { version: 8, name: 'model activity', statements: [modelActivity, modelActivityMv, modelActivityBackfill] },
  { version: 9, name: 'readiness probe', statements: [readinessProbe] },
];
