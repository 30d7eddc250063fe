import { ExportResultCode, type ExportResult } from '../ExportResult.js';

/** A failed export's result, carrying `error` as an `Error`. */
export function failedResult(error: unknown): ExportResult {
  return { code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) };
}
