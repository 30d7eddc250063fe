/**
 * The entry of the export worker (see `ExportWorker`): an `NdjsonHttpExporter` on this thread,
 * fed NDJSON texts by the main thread, answering each with its result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode } from '@opentelemetry/core';
import type { FromWorker, ToWorker, WorkerSetup } from './ExportWorker.js';
import { NdjsonHttpExporter } from './NdjsonHttpExporter.js';

const port = parentPort;
if (port) {
  const setup = workerData as WorkerSetup;
  const post = (m: FromWorker): void => port.postMessage(m);
  const exporter = new NdjsonHttpExporter(setup.path, { ...setup.options, thread: 'main' }, (message) => post({ type: 'warn', message }));
  port.on('message', (m: ToWorker) => {
    if (m.type === 'export') {
      void exporter.exportText(m.text).then((r) => post({ type: 'result', id: m.id, ok: r.code === ExportResultCode.SUCCESS, ...(r.error ? { error: r.error.message } : {}) }));
    } else {
      void exporter.shutdown().then(() => post({ type: 'result', id: m.id, ok: true }));
    }
  });
  post({ type: 'ready' });
}
