import { Worker } from 'node:worker_threads';
import { handleError, warn } from '../handle-error.js';
import { shutDownResponse, type ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import type { HttpExportSetup } from './http-export-setup.js';
import { isTransferable, recycleBuffer } from './ByteWriter.js';
import { fromWire, type FromWorker, type ToWorker } from './worker-protocol.js';

/** The worker's entry, beside this file (JavaScript in dist; absent when running from source or in a bundle). */
const DEFAULT_ENTRY = new URL('./export-worker-entry.js', import.meta.url);

/**
 * Hands serialized bodies to a worker thread of its own, which compresses and posts them with
 * the transport `createHttpTransport` builds (gzip, `fetch`), so that none of that runs on the
 * host's event loop; the caller only serializes. A `ByteWriter`'s body crosses threads by
 * transfer (no copy) once the worker is running; before that (the first export), and for any
 * other body, as a copy, so that the fallback below still has it. The worker starts on the
 * first send, never keeps the process alive, and holds what it is sent (one batch at a time,
 * from the batch processor).
 *
 * If the worker cannot start (e.g. its entry was not bundled), what was sent to it and every
 * later send go to `fallback` on this thread, with one warning. If it dies after it started, the
 * sends it held answer `retryable` (the batch processor sends them again) and later ones go to
 * `fallback`.
 */
export class WorkerTransport implements ExportTransport<Uint8Array> {
  private worker: Worker | undefined;
  /** True once the worker is gone for good: failed, died or shut down. */
  private gone = false;
  /** True once the worker said it is ready: from then on, its death fails the sends it holds. */
  private ready = false;
  private nextId = 0;
  private readonly pending = new Map<number, (response: ExportResponse | undefined) => void>();
  private onStopped: (() => void) | undefined;

  /**
   * @param setup what the worker builds its transport from (plain data)
   * @param fallback the same transport on this thread, for when the worker is unavailable
   * @param entry the worker's module (tests give their own)
   */
  constructor(
    private readonly setup: HttpExportSetup,
    private readonly fallback: ExportTransport<Uint8Array>,
    private readonly entry: URL = DEFAULT_ENTRY,
  ) {}

  async send(body: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const worker = this.start();
    const response = worker ? await this.request(worker, body, timeoutMillis) : undefined;
    // `undefined`: the worker never started (so the body was copied, not transferred); this thread sends it.
    return response ?? this.fallback.send(body, timeoutMillis);
  }

  /**
   * Asks the worker to abort its send in progress and to answer it, then stops the thread;
   * shuts the fallback down too. Never rejects.
   */
  async shutdown(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker && !this.gone) {
      this.gone = true;
      await new Promise<void>((resolve) => {
        this.onStopped = resolve;
        try {
          worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
        } catch {
          resolve();
        }
      });
      await worker.terminate().catch(() => undefined);
      this.settle(() => shutDownResponse());
    }
    this.gone = true;
    await this.fallback.shutdown();
  }

  private request(worker: Worker, body: Uint8Array, timeoutMillis: number): Promise<ExportResponse | undefined> {
    return new Promise((resolve) => {
      const id = ++this.nextId;
      this.pending.set(id, resolve);
      try {
        // Transferred only once the worker runs: a worker that never starts hands its sends back to the fallback, which needs the bytes.
        const transfer = this.ready && isTransferable(body);
        const buffer = transfer ? (body.buffer as ArrayBuffer) : body.slice().buffer;
        const message: ToWorker = { type: 'export', id, body: buffer, byteOffset: transfer ? body.byteOffset : 0, byteLength: body.byteLength, timeoutMillis };
        worker.postMessage(message, [buffer]);
      } catch (error) {
        this.pending.delete(id);
        resolve({ status: 'retryable', error: new Error('handing the batch to the export worker failed', { cause: error }), retryAfterMillis: 0 });
      }
    });
  }

  private start(): Worker | undefined {
    if (this.worker || this.gone) return this.worker;
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
    switch (m.type) {
      case 'ready':
        this.ready = true;
        return;
      case 'warn':
        return warn(m.message);
      case 'stopped':
        return this.onStopped?.();
      case 'result': {
        if (m.body) recycleBuffer(m.body);
        const resolve = this.pending.get(m.id);
        this.pending.delete(m.id);
        resolve?.(fromWire(m.response));
      }
    }
  }

  /**
   * The worker is gone: the caller's thread sends from now on. What it held is retryable if it
   * had started; if it never did, those sends are handed back (`undefined`) to be done here.
   */
  private fail(error: unknown): void {
    this.onStopped?.();
    if (this.gone) return;
    this.gone = true;
    this.worker = undefined;
    if (this.ready) handleError('export worker stopped; exporting on the main thread from now on', error);
    else warn(`export worker could not start; exporting on the main thread: ${messageOf(error)}`);
    // Not a refusal: the batch processor keeps those records and sends them again (from this thread).
    this.settle(() => (this.ready ? { status: 'retryable', error: new Error(`export worker stopped: ${messageOf(error)}`, { cause: error }), retryAfterMillis: 0 } : undefined));
  }

  /** Resolves every send still waiting for the worker. */
  private settle(answer: () => ExportResponse | undefined): void {
    for (const resolve of this.pending.values()) resolve(answer());
    this.pending.clear();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
