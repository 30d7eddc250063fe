import type { ExportResponse } from './ExportResponse.js';

/**
 * The messages between `WorkerTransport` (main thread) and `export-worker-entry.ts` (the
 * worker), and the form an `ExportResponse` takes between them (an `Error` is sent as its
 * message).
 */

/** Main thread → worker: send a serialized body (its `ArrayBuffer`, transferred), or stop. */
export type ToWorker = { type: 'export'; id: number; body: ArrayBuffer; byteOffset: number; byteLength: number; timeoutMillis: number } | { type: 'shutdown' };

/**
 * Worker → main thread: started (from then on its death fails what it holds); the answer to an
 * export (with the body's `ArrayBuffer`, transferred back to be used again); a warning for the
 * main thread's `diag`; stopped (after answering every export).
 */
export type FromWorker = { type: 'ready' } | { type: 'result'; id: number; response: WireResponse; body?: ArrayBuffer } | { type: 'warn'; message: string } | { type: 'stopped' };

/** An `ExportResponse` that can cross threads. */
export type WireResponse =
  | { status: 'success'; reply: string }
  | { status: 'failure'; message: string }
  | { status: 'retryable'; message: string; retryAfterMillis?: number };

/** The form of `response` that crosses threads. */
export function toWire(response: ExportResponse): WireResponse {
  if (response.status === 'success') return response;
  if (response.status === 'failure') return { status: 'failure', message: response.error.message };
  const { retryAfterMillis } = response;
  return retryAfterMillis === undefined ? { status: 'retryable', message: response.error.message } : { status: 'retryable', message: response.error.message, retryAfterMillis };
}

/** The `ExportResponse` a `WireResponse` stands for (anything but `success` or `retryable` is a `failure`). */
export function fromWire(wire: WireResponse): ExportResponse {
  if (wire.status === 'success') return { status: 'success', reply: String(wire.reply ?? '') };
  const error = new Error(String(wire.message ?? 'export failed in the worker'));
  if (wire.status !== 'retryable') return { status: 'failure', error };
  return wire.retryAfterMillis === undefined ? { status: 'retryable', error } : { status: 'retryable', error, retryAfterMillis: wire.retryAfterMillis };
}
