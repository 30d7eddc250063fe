import { Transform } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SaturatedError } from '../errors.js';
import { BytesInFlight } from './BytesInFlight.js';
import { DrainRate, type DrainTicket } from './DrainRate.js';
import { onRequestEnd } from './request-end.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Admission control of the ingestion endpoints by bytes in flight (`limits.maxBytesInFlight`). */
    admission: BytesInFlight;
    /** Admission control of the ingestion endpoints by expected wait (`limits.maxQueueWaitMs`). */
    drainRate: DrainRate;
  }
}

/** Options of {@link admissionPlugin}. */
export interface AdmissionPluginOptions {
  /** `limits.maxBytesInFlight`. */
  maxBytesInFlight: number;
  /** `limits.maxBodyBytes`: no body reserves more than this (a longer one is refused with 413 as it is read). */
  maxBodyBytes: number;
  /** `limits.maxQueueWaitMs`: 0 turns admission by expected wait and the deadline of admitted requests off. @default 0 */
  maxQueueWaitMs?: number;
}

/** Name under which other plugins declare their dependency on {@link admissionPlugin}. */
export const ADMISSION_PLUGIN = 'inferlens-admission';

/**
 * Decorates the root instance with `admission` (see {@link BytesInFlight}), counting the rows
 * pending in every batcher.
 */
async function admissionSetup(app: FastifyInstance, opts: AdmissionPluginOptions): Promise<void> {
  const batchers = Object.values(app.batchers);
  const admission = new BytesInFlight(opts.maxBytesInFlight, () => {
    let bytes = 0;
    for (const b of batchers) bytes += b.stats().pendingBytes;
    return bytes;
  });
  app.decorate('admission', admission);
  app.decorate('drainRate', new DrainRate());
  settings.set(admission, { maxBody: opts.maxBodyBytes, maxQueueWaitMs: opts.maxQueueWaitMs ?? 0 });
}

const settings = new WeakMap<BytesInFlight, { maxBody: number; maxQueueWaitMs: number }>();
/** Per admitted request: its place in the drain queue, and when its answer is due (performance.now() ms). */
const admitted = new WeakMap<IncomingMessage, { ticket: DrainTicket; deadline: number | undefined }>();

/**
 * When the answer of an admitted ingestion request is due (`performance.now()` milliseconds: its
 * arrival plus `limits.maxQueueWaitMs`): rows of it still waiting for an insert then are refused
 * (see `InsertBatcher`). Undefined when the budget is off or the request was not admitted here.
 */
export function ingestDeadline(request: FastifyRequest): number | undefined {
  return admitted.get(request.raw)?.deadline;
}

/**
 * Retry-After (seconds) for a request refused now, when what is queued would take `drainMs` to
 * drain: that long (at least 1 s, at most 30 s), spread over [w, 2w] so that refused clients do
 * not all come back at once. Each refusal costs both sides (the client has started sending its
 * body, the collector reads and discards what arrived), so the many clients of an overload are
 * asked to come back when room is likely, not every second.
 */
function retryAfterSeconds(drainMs: number): number {
  const w = Math.min(30, Math.max(1, Math.ceil(drainMs / 1000)));
  return w + Math.floor(Math.random() * (w + 1));
}

/** The admission control as a plugin of the root instance; needs the batchers (the store plugin's). */
export const admissionPlugin = fp(admissionSetup, {
  name: ADMISSION_PLUGIN,
  fastify: '5.x',
  decorators: { fastify: ['batchers'] },
});

/**
 * Adds admission control to the routes of an encapsulated ingestion plugin: each request is
 * admitted by {@link BytesInFlight} before its body is read, or answered 503 `INGEST_SATURATED`
 * with Retry-After (its body is then discarded unread); a chunked body counts as it arrives and
 * is refused the same way part-way, once it would pass the limit. The request's bytes stop
 * counting exactly once, on the first of: the handler releases them (its rows are then pending in
 * the batchers), its response ends, its connection closes (see {@link onRequestEnd}).
 */
export function admitIngestBodies(app: FastifyInstance): void {
  const admission = app.admission;
  const drain = app.drainRate;
  const { maxBody, maxQueueWaitMs } = settings.get(admission) ?? { maxBody: Number.MAX_SAFE_INTEGER, maxQueueWaitMs: 0 };
  app.addHook('onRequest', async (request, reply) => {
    const arrived = performance.now();
    const length = Number(request.headers['content-length'] ?? 0);
    const declared = Number.isSafeInteger(length) && length > 0 ? Math.min(length, maxBody) : 0;
    // By expected wait: what is admitted and not answered yet, at the rate answers have been going
    // out. Not below a quarter of limits.maxBytesInFlight queued: the rate is in bytes, and bodies
    // whose cost is not in their size (deep nesting, a gzip body refused once inflated) can make a
    // short queue look long; a few requests at a time are never refused for it.
    const wait = maxQueueWaitMs > 0 && drain.queued >= admission.limit / 4 ? drain.expectedWaitMs(declared) : undefined;
    if (wait !== undefined && wait > maxQueueWaitMs) {
      throw new SaturatedError(
        `${drain.queued} bytes of admitted requests wait for their answers; at the recent rate this body of ${declared} bytes would wait about ${Math.round(wait / 100) / 10} s, more than limits.maxQueueWaitMs (${maxQueueWaitMs}); nothing of it was read; retry after the delay in Retry-After`,
        retryAfterSeconds(wait),
      );
    }
    const reservation = admission.admit(request.raw, declared);
    if (!reservation) {
      const rate = drain.rate();
      const drainMs = rate === undefined ? 0 : (admission.bytesInFlight() * 1000) / rate;
      throw new SaturatedError(
        `${admission.bytesInFlight()} bytes of request bodies and pending rows are in flight; this body of ${declared} bytes would pass limits.maxBytesInFlight (${admission.limit}); nothing of it was read; retry after the delay in Retry-After`,
        retryAfterSeconds(drainMs),
      );
    }
    // A body's progress: what its connection has read since (a chunked body: what it counted).
    const socket = request.raw.socket;
    const readBefore = socket.bytesRead;
    const ticket = drain.enter(declared, () => (declared > 0 ? socket.bytesRead - readBefore : reservation.bytes));
    admitted.set(request.raw, { ticket, deadline: maxQueueWaitMs > 0 ? arrived + maxQueueWaitMs : undefined });
    onRequestEnd(request, reply, () => {
      reservation.release();
      ticket.leave(reply.raw.writableFinished && reply.raw.statusCode < 500);
    });
  });
  // The body has arrived: from here the collector, not the client, decides how long it takes.
  app.addHook('preHandler', async (request) => {
    admitted.get(request.raw)?.ticket.received(Buffer.isBuffer(request.body) ? request.body.length : undefined);
  });
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.headers['content-length'] !== undefined) return payload;
    const reservation = admission.of(request.raw);
    if (!reservation) return payload;
    // A chunked body counts as it arrives, and is refused part-way once it would pass the limit.
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (reservation.grow(chunk.length)) {
          callback(null, chunk);
          return;
        }
        const read = reservation.bytes;
        reservation.release();
        callback(
          new SaturatedError(
            `this chunked body passed limits.maxBytesInFlight (${admission.limit} bytes of request bodies and pending rows in flight) after ${read} bytes; nothing of it was stored; retry after the delay in Retry-After, or send smaller requests`,
          ),
        );
      },
    });
    payload.on('error', (err) => counting.destroy(err));
    return payload.pipe(counting);
  });
}
