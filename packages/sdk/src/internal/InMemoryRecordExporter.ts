import { ExportResultCode, type ExportResult } from '../ExportResult.js';

/** Keeps exported records in an array; the engine of the in-memory exporters. */
export class InMemoryRecordExporter<T> {
  private records: T[] = [];
  private stopped = false;

  /** Appends the batch; fails once shut down, like OpenTelemetry's `InMemorySpanExporter`. */
  async export(batch: readonly T[]): Promise<ExportResult> {
    if (this.stopped) return { code: ExportResultCode.FAILED, error: new Error('exporter is shut down') };
    this.records.push(...batch);
    return { code: ExportResultCode.SUCCESS };
  }

  /** Records exported so far, oldest first. */
  getFinishedRecords(): T[] {
    return [...this.records];
  }

  /** Forgets the records exported so far. */
  reset(): void {
    this.records = [];
  }

  /** Later exports fail. Records stay readable (unlike `InMemorySpanExporter`, which clears them). */
  async shutdown(): Promise<void> {
    this.stopped = true;
  }
}
