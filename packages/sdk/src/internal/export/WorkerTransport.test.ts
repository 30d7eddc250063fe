import { diag, DiagLogLevel } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import { resolveHttpSetup } from './http-export-setup.js';
import { ByteWriter } from './ByteWriter.js';
import { WorkerTransport } from './WorkerTransport.js';

/** A worker module from source text (the real entry is JavaScript in dist; these stand-ins need no build). */
function entry(code: string): URL {
  return new URL(`data:text/javascript,${encodeURIComponent(`import { parentPort } from 'node:worker_threads';\n${code}`)}`);
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Answers every export as the stand-in worker below does when its worker is unavailable; records what it got. */
function recordingFallback(): ExportTransport<Uint8Array> & { sent: string[]; stopped: boolean } {
  return {
    sent: [],
    stopped: false,
    async send(body) {
      this.sent.push(Buffer.from(body).toString('utf8'));
      return { status: 'success', reply: '' };
    },
    async shutdown() {
      this.stopped = true;
    },
  };
}

const setup = resolveHttpSetup('/v1/predictions');
const messages: string[] = [];

afterEach(() => {
  diag.disable();
  messages.length = 0;
});

function captureDiag(): void {
  const log = (m: string) => messages.push(m);
  diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
}

/** Answers 'good' with success, anything else with a 400; stops when asked. */
const ANSWERING = `parentPort.postMessage({ type: 'ready' });
parentPort.on('message', (m) => {
  if (m.type === 'export') {
    const text = Buffer.from(m.body, m.byteOffset, m.byteLength).toString('utf8');
    parentPort.postMessage({ type: 'warn', message: 'seen ' + text.length + ' in ' + m.timeoutMillis });
    parentPort.postMessage({ type: 'result', id: m.id, response: text === 'good' ? { status: 'success', reply: '{}' } : { status: 'failure', message: 'HTTP 400' } });
  } else parentPort.postMessage({ type: 'stopped' });
});`;

describe('WorkerTransport', () => {
  it("passes the worker's answers through, and its warnings to diag", async () => {
    captureDiag();
    const fallback = recordingFallback();
    const transport = new WorkerTransport(setup, fallback, entry(ANSWERING));
    expect(await transport.send(bytes('good'), 1000)).toEqual({ status: 'success', reply: '{}' });
    const bad = await transport.send(bytes('bad'), 1000);
    expect(bad.status).toBe('failure');
    expect((bad as Extract<ExportResponse, { status: 'failure' }>).error.message).toBe('HTTP 400');
    expect(messages.some((m) => m.includes('seen 4 in 1000'))).toBe(true);
    expect(fallback.sent).toEqual([]);
    await transport.shutdown();
    expect(fallback.stopped).toBe(true);
    // Stopped: later sends go to the caller's thread (shut down too in real use).
    await transport.send(bytes('late'), 1000);
    expect(fallback.sent).toEqual(['late']);
  });

  it("transfers a ByteWriter's body once the worker runs (no copy: detached here), and copies any other body", async () => {
    const transport = new WorkerTransport(setup, recordingFallback(), entry(ANSWERING));
    const first = new ByteWriter(16);
    first.write('good');
    const firstBody = first.finish();
    expect(await transport.send(firstBody, 1000)).toEqual({ status: 'success', reply: '{}' }); // before 'ready': copied
    expect(firstBody.byteLength).toBe(4);
    const writer = new ByteWriter(16);
    writer.write('good');
    const owned = writer.finish();
    expect(await transport.send(owned, 1000)).toEqual({ status: 'success', reply: '{}' });
    expect(owned.byteLength).toBe(0); // transferred
    const other = bytes('good');
    expect(await transport.send(other, 1000)).toEqual({ status: 'success', reply: '{}' });
    expect(Buffer.from(other).toString()).toBe('good'); // copied, still here
    await transport.shutdown();
  });

  it('hands the exports back when the worker cannot start', async () => {
    captureDiag();
    const fallback = recordingFallback();
    const transport = new WorkerTransport(setup, fallback, new URL('file:///nonexistent/export-worker-entry.js'));
    expect(await transport.send(bytes('a'), 1000)).toEqual({ status: 'success', reply: '' });
    expect(await transport.send(bytes('b'), 1000)).toEqual({ status: 'success', reply: '' });
    expect(fallback.sent).toEqual(['a', 'b']);
    expect(messages.filter((m) => m.includes('could not start'))).toHaveLength(1);
  });

  it('answers the export it held retryable when it dies after starting (not a refusal), then hands exports back', async () => {
    captureDiag();
    const fallback = recordingFallback();
    // Answers the first export (after 'ready', in order), dies on the second.
    const transport = new WorkerTransport(
      setup,
      fallback,
      entry(`parentPort.postMessage({ type: 'ready' });
let n = 0;
parentPort.on('message', (m) => (++n === 1 ? parentPort.postMessage({ type: 'result', id: m.id, response: { status: 'success', reply: '' } }) : process.exit(3)));`),
    );
    expect(await transport.send(bytes('w'), 1000)).toEqual({ status: 'success', reply: '' });
    const held = await transport.send(bytes('x'), 1000);
    expect(held).toMatchObject({ status: 'retryable', retryAfterMillis: 0 });
    expect(fallback.sent).toEqual([]);
    expect(await transport.send(bytes('y'), 1000)).toEqual({ status: 'success', reply: '' });
    expect(fallback.sent).toEqual(['y']);
    expect(messages.some((m) => m.includes('export worker stopped'))).toBe(true);
  });

  it('shutdown answers a send the worker still holds, and stops the thread', { timeout: 10_000 }, async () => {
    // Never answers an export; answers 'shutdown' with 'stopped' without answering it.
    const transport = new WorkerTransport(
      setup,
      recordingFallback(),
      entry(`parentPort.postMessage({ type: 'ready' });
parentPort.on('message', (m) => { if (m.type === 'shutdown') parentPort.postMessage({ type: 'stopped' }); });`),
    );
    const held = transport.send(bytes('held'), 60_000); // posted to the worker before `send` returns
    await transport.shutdown();
    const answer = await held;
    expect(answer.status).toBe('failure');
    expect((answer as Extract<ExportResponse, { status: 'failure' }>).error.message).toBe('exporter is shut down');
  });
});
