/**
 * The collector's configuration: one TypeBox schema per section in `./config/`, from which
 * validation, defaults, environment variables, flags, `--help` and the table of docs/configuration.md all come.
 *
 * @example
 * const config = loadConfig({ file: 'collector.yaml', env: process.env, flags: { port: '4318' } });
 */
export { DEFAULT_CONFIG, loadConfig, OPTIONS } from './config/load.js';
export type { LoadConfigInput } from './config/load.js';
export type { ConfigKey as OptionSpec } from './config/keys.js';
export { CollectorConfigSchema } from './config/schema.js';
export type { CollectorConfig } from './config/schema.js';
export type { IngestLimits } from './config/limits.js';
export type { DriftJobConfig, DriftModelConfig, ColumnDriftSettings, MultivariateConfig } from './config/drift.js';
export { driftSettingsFor } from './config/drift.js';
export type { SlaJobConfig } from './config/sla.js';
export type { QualityJobConfig, QualityModelConfig } from './config/quality.js';
export { DEFAULT_QUALITY_OUTPUTS } from './config/quality.js';
export type { SegmentsConfig } from './config/segments.js';
export { segmentFeatureOf } from './config/segments.js';
export type { SloConfig, BurnRateWindow } from './config/slos.js';
export { DEFAULT_BURN_RATES } from './config/slos.js';
export type { AlertsConfig } from './config/alerts.js';
