/**
 * The entry of the export worker (see `WorkerTransport`): the transport of `createHttpTransport`
 * on this thread, fed serialized bodies by the main thread (transferred), answering each with its response. The
 * SDK's warnings on this thread (through `diag`) are forwarded to the main thread's `diag`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { createHttpTransport } from './create-transport.js';
import type { HttpExportSetup } from './http-export-setup.js';
import { toWire, type FromWorker, type ToWorker } from './worker-protocol.js';

const port = parentPort;
if (port) {
  const post = (m: FromWorker): void => port.postMessage(m);
  const PREFIX = '@inferlens/sdk: ';
  const forward = (message: string): void => post({ type: 'warn', message: message.startsWith(PREFIX) ? message.slice(PREFIX.length) : message });
  const quiet = (): void => undefined;
  diag.setLogger({ error: forward, warn: forward, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);

  const transport = createHttpTransport(workerData as HttpExportSetup);
  const inFlight = new Set<Promise<void>>();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'export') {
      const sent = transport.send(new Uint8Array(m.body, m.byteOffset, m.byteLength), m.timeoutMillis).then((response) => {
        inFlight.delete(sent);
        // The request is done with the body: its buffer goes back to be written again.
        port.postMessage({ type: 'result', id: m.id, response: toWire(response), body: m.body } satisfies FromWorker, [m.body]);
      });
      inFlight.add(sent);
    } else {
      // Abort, let the aborted sends answer, then say so.
      void transport
        .shutdown()
        .then(() => Promise.allSettled([...inFlight]))
        .then(() => post({ type: 'stopped' }));
    }
  });
  post({ type: 'ready' });
}
