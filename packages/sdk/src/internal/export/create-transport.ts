import type { ExportTransport } from './ExportTransport.js';
import { EncodingTransport } from './EncodingTransport.js';
import type { HttpExportSetup } from './http-export-setup.js';
import { HttpTransport } from './HttpTransport.js';
import { RecordSerializer } from './RecordSerializer.js';
import { WorkerTransport } from './WorkerTransport.js';

/**
 * The transport of an HTTP exporter on the thread that calls it: the serialized body is
 * compressed (`EncodingTransport`), then posted once (`HttpTransport`). The export worker runs
 * this one.
 */
export function createHttpTransport(setup: HttpExportSetup): ExportTransport<Uint8Array> {
  const http = new HttpTransport({ url: setup.url, headers: setup.headers, timeoutMillis: setup.timeoutMillis, ...(setup.ca ? { ca: setup.ca } : {}) });
  return new EncodingTransport(new RecordSerializer(setup.compression), http);
}

/**
 * Chooses where an exporter's requests run, once, when it is created: `thread: 'main'`, the
 * transport above on the caller's thread; `thread: 'worker'`, a `WorkerTransport` whose worker
 * runs it, falling back to it on the caller's thread when the worker is unavailable.
 */
export function createExportTransport(setup: HttpExportSetup): ExportTransport<Uint8Array> {
  const here = createHttpTransport(setup);
  return setup.thread === 'worker' ? new WorkerTransport(setup, here) : here;
}
