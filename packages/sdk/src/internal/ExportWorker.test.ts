import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ExportWorker } from './ExportWorker.js';

/** A worker module from source text (the real entry is JavaScript in dist; these stand-ins need no build). */
function entry(code: string): URL {
  return new URL(`data:text/javascript,${encodeURIComponent(`import { parentPort } from 'node:worker_threads';\n${code}`)}`);
}

const setup = { path: '/v1/predictions', options: {} };
const messages: string[] = [];

afterEach(() => {
  diag.disable();
  messages.length = 0;
});

function captureDiag(): void {
  const log = (m: string) => messages.push(m);
  diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
}

describe('ExportWorker', () => {
  it("passes the worker's answers through, and its warnings to diag", async () => {
    captureDiag();
    const worker = new ExportWorker(
      setup,
      entry(`parentPort.postMessage({ type: 'ready' });
parentPort.on('message', (m) => {
  if (m.type === 'export') {
    parentPort.postMessage({ type: 'warn', message: 'seen ' + m.text.length });
    parentPort.postMessage({ type: 'result', id: m.id, ok: m.text === 'good', error: m.text === 'good' ? undefined : 'HTTP 400' });
  } else parentPort.postMessage({ type: 'result', id: m.id, ok: true });
});`),
    );
    expect(await worker.export('good')).toEqual({ code: ExportResultCode.SUCCESS });
    const bad = await worker.export('bad');
    expect(bad?.code).toBe(ExportResultCode.FAILED);
    expect(bad?.error?.message).toBe('HTTP 400');
    expect(messages.some((m) => m.includes('seen 4'))).toBe(true);
    await worker.shutdown();
    // Stopped: the caller exports on its own thread.
    expect(await worker.export('late')).toBeUndefined();
  });

  it('hands the exports back when the worker cannot start', async () => {
    captureDiag();
    const worker = new ExportWorker(setup, new URL('file:///nonexistent/export-worker-entry.js'));
    expect(await worker.export('a')).toBeUndefined();
    expect(await worker.export('b')).toBeUndefined();
    expect(messages.some((m) => m.includes('could not start'))).toBe(true);
  });

  it('fails the export it held when it dies after starting, then hands exports back', async () => {
    captureDiag();
    // Answers the first export (after 'ready', in order), dies on the second.
    const worker = new ExportWorker(
      setup,
      entry(`parentPort.postMessage({ type: 'ready' });
let n = 0;
parentPort.on('message', (m) => (++n === 1 ? parentPort.postMessage({ type: 'result', id: m.id, ok: true }) : process.exit(3)));`),
    );
    expect(await worker.export('w')).toEqual({ code: ExportResultCode.SUCCESS });
    const held = await worker.export('x');
    expect(held?.code).toBe(ExportResultCode.FAILED);
    expect(await worker.export('y')).toBeUndefined();
    expect(messages.some((m) => m.includes('export worker stopped'))).toBe(true);
  });
});
