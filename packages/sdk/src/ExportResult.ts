/**
 * Result codes of `PredictionExporter.export` and `FeedbackExporter.export`: the same names and
 * values as `ExportResultCode` of `@opentelemetry/core`, so either one type-checks where the
 * other is expected (TypeScript relates enums of the same name and members) and an exporter
 * written for OpenTelemetry's conventions works unchanged. Declared here so that the SDK needs
 * no OpenTelemetry SDK package, whose versions each accept only a few versions of the API.
 */
export enum ExportResultCode {
  /** The backend accepted the batch. */
  SUCCESS = 0,
  /** It did not: refused, or (with a `RetryableExportError`) not reachable now. */
  FAILED = 1,
}

/** What an exporter resolves with, shaped as `ExportResult` of `@opentelemetry/core`. */
export interface ExportResult {
  /** `SUCCESS` or `FAILED`. */
  code: ExportResultCode;
  /** Why it failed; a `RetryableExportError` asks for the batch to be sent again later. */
  error?: Error;
}
