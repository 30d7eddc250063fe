import { Worker } from 'node:worker_threads';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { HttpExporterOptions } from '../HttpExporterOptions.js';
import { failedResult } from './failed-result.js';
import { handleError, warn } from './handle-error.js';

/** Main thread → worker. */
export type ToWorker = { type: 'export'; id: number; text: string } | { type: 'shutdown'; id: number };
/** Worker → main thread. */
export type FromWorker = { type: 'ready' } | { type: 'result'; id: number; ok: boolean; error?: string } | { type: 'warn'; message: string };
/** What the worker is started with. */
export interface WorkerSetup {
  path: string;
  options: HttpExporterOptions;
}

/**
 * One worker thread that gzips and posts NDJSON bodies (with the retries of
 * `NdjsonHttpExporter`), so that compression, the HTTP client and its
 * promises run off the host's event loop. The caller still serializes the
 * records (a string crosses threads as a copy, far cheaper than cloning the
 * records). One export at a time is what the batch processor sends, so
 * the worker holds at most one body. The worker never keeps the process
 * alive. If it cannot start (e.g. its entry file was not bundled), the
 * exports sent to it and every later one answer `undefined`, and the caller
 * exports on its own thread instead; if it dies after it started, the export
 * in progress fails (and is counted so by the batch processor).
 */
export class ExportWorker {
  private worker: Worker | undefined;
  private broken = false;
  /** True once the worker said it is ready: from then on, its death fails the exports it holds. */
  private ready = false;
  private nextId = 0;
  private readonly pending = new Map<number, (result: ExportResult | undefined) => void>();

  /** @param entry the worker's module (tests give their own) */
  constructor(
    private readonly setup: WorkerSetup,
    private readonly entry: URL = new URL('./export-worker-entry.js', import.meta.url),
  ) {}

  /** Posts `text` through the worker; resolves `undefined` when the worker is unavailable (export it yourself). Never rejects. */
  async export(text: string): Promise<ExportResult | undefined> {
    const worker = this.start();
    if (!worker) return undefined;
    return this.request(worker, { type: 'export', id: ++this.nextId, text });
  }

  /** Aborts the worker's export in progress, waits for its answer, then stops the thread. Never rejects. */
  async shutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.broken) return;
    try {
      await this.request(worker, { type: 'shutdown', id: ++this.nextId });
    } finally {
      this.broken = true;
      this.worker = undefined;
      await worker.terminate().catch(() => undefined);
    }
  }

  private request(worker: Worker, message: ToWorker): Promise<ExportResult | undefined> {
    return new Promise((resolve) => {
      this.pending.set(message.id, resolve);
      try {
        worker.postMessage(message);
      } catch (error) {
        this.pending.delete(message.id);
        resolve(failedResult(error));
      }
    });
  }

  private start(): Worker | undefined {
    if (this.worker || this.broken) return this.worker;
    try {
      const worker = new Worker(this.entry, { workerData: this.setup });
      worker.unref();
      worker.on('message', (m: FromWorker) => this.onMessage(m));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => this.fail(new Error(`export worker exited with code ${code}`)));
      this.worker = worker;
      return worker;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'warn') return warn(m.message);
    if (m.type === 'ready') {
      this.ready = true;
      return;
    }
    const resolve = this.pending.get(m.id);
    this.pending.delete(m.id);
    resolve?.(m.ok ? { code: ExportResultCode.SUCCESS } : failedResult(new Error(m.error ?? 'export failed in the worker')));
  }

  /**
   * The worker is gone: the caller exports on its own thread from now on. What it held fails if
   * it had started; if it never did, its exports are handed back (`undefined`) to be done here.
   */
  private fail(error: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.worker = undefined;
    const message = error instanceof Error ? error.message : String(error);
    if (this.ready) handleError('export worker stopped; exporting on the main thread from now on', error);
    else warn(`export worker could not start; exporting on the main thread: ${message}`);
    for (const resolve of this.pending.values()) resolve(this.ready ? failedResult(error) : undefined);
    this.pending.clear();
  }
}

