import { ALERT_COMPARE_LOOKS } from './alert-compare-looks.js';
import { ALERT_EVENTS } from './alert-events.js';
import { ALERT_NOTIFICATIONS } from './alert-notifications.js';
import { ALERT_STATE } from './alert-state.js';
import { API_KEYS } from './api-keys.js';
import { AUDIT_LOG } from './audit-log.js';
import { DATA_QUALITY_RESULTS } from './data-quality-results.js';
import { DRIFT_RESULTS } from './drift-results.js';
import { FEEDBACK } from './feedback.js';
import { JOB_CHECKPOINTS } from './job-checkpoints.js';
import { JOB_LEASES } from './job-leases.js';
import { MODEL_ACTIVITY } from './model-activity.js';
import { OTEL_LOGS } from './otel-logs.js';
import { OTEL_METRICS_TABLES } from './otel-metrics.js';
import { OTEL_TRACES, OTEL_TRACES_TRACE_ID_TS } from './otel-traces.js';
import { PREDICTIONS, PREDICTIONS_INGEST } from './predictions.js';
import { QUALITY_RESULTS } from './quality-results.js';
import { READINESS_PROBE } from './readiness-probe.js';
import { REFERENCE_DATA } from './reference-data.js';
import { REFERENCE_PROFILES } from './reference-profiles.js';
import { SCHEMA_MIGRATIONS } from './schema-migrations.js';
import { SLA_RESULTS } from './sla-results.js';
import type { AnyTableDefinition } from './TableDefinition.js';

/** Every table the collector defines (views aside), by name. */
export const ALL_TABLES: readonly AnyTableDefinition[] = [
  ALERT_COMPARE_LOOKS,
  ALERT_EVENTS,
  ALERT_NOTIFICATIONS,
  ALERT_STATE,
  API_KEYS,
  AUDIT_LOG,
  DATA_QUALITY_RESULTS,
  DRIFT_RESULTS,
  FEEDBACK,
  SCHEMA_MIGRATIONS,
  READINESS_PROBE,
  JOB_CHECKPOINTS,
  JOB_LEASES,
  MODEL_ACTIVITY,
  OTEL_LOGS,
  ...OTEL_METRICS_TABLES,
  OTEL_TRACES,
  OTEL_TRACES_TRACE_ID_TS,
  PREDICTIONS,
  PREDICTIONS_INGEST,
  QUALITY_RESULTS,
  REFERENCE_DATA,
  REFERENCE_PROFILES,
  SLA_RESULTS,
];
