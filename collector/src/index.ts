/**
 * `@inferlens/collector`: the Inferlens collector as a library. Most users run the
 * `inferlens-collector` CLI instead; this entry point is for embedding the server in
 * another process or for tests.
 *
 * @example
 * import { buildApp, loadConfig } from '@inferlens/collector';
 * const app = await buildApp(loadConfig({ env: process.env }));
 * await app.listen({ host: '127.0.0.1', port: 4318 });
 */
export { buildApp } from './app.js';
export type { BuildAppOptions } from './app.js';
export { loadConfig, DEFAULT_CONFIG, OPTIONS } from './config.js';
export type { CollectorConfig, IngestLimits, OptionSpec } from './config.js';
export { ClickHouseStore } from './store/ClickHouseStore.js';
export { quoteIdentifier } from './store/InsertSink.js';
export type { StoreOptions, QueryParams } from './store/ClickHouseStore.js';
export { InsertBatcher, DEFAULT_BATCH_OPTIONS } from './store/InsertBatcher.js';
export type { BatchOptions, BatcherStats } from './store/InsertBatcher.js';
export { MIGRATIONS, MIGRATIONS_TABLE } from './store/migrations.js';
export type { Migration } from './store/migrations.js';
export type { SpanRow } from './store/schema/otel-traces.js';
export type { LogRow } from './store/schema/otel-logs.js';
export type { PredictionRow } from './store/schema/predictions.js';
export type { FeedbackRow } from './store/schema/feedback.js';
export type { StringMap, NumberMap } from './store/schema/column-types.js';
export {
  CollectorError,
  BadRequestError,
  RequestInvalidError,
  BadProjectHeaderError,
  BadGzipError,
  ReferenceInvalidError,
  ReferenceEmptyError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  BodyTooLargeError,
  TooManyRecordsError,
  UnsupportedMediaTypeError,
  RangeNotSatisfiableError,
  InternalError,
  SaturatedError,
  ClickHouseFailure,
  StoreError,
  RowsRefusedError,
  StoreInsertError,
  ConfigError,
} from './errors.js';
export type { BadRequestCode } from './errors.js';
export { ERROR_CODES } from './http/error-codes.js';
export type { ErrorCode, ErrorCodeSpec } from './http/error-codes.js';
