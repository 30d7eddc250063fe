import { Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SaturatedError } from '../errors.js';
import { BytesInFlight } from './BytesInFlight.js';
import { onRequestEnd } from './request-end.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Admission control of the ingestion endpoints by bytes in flight (`limits.maxBytesInFlight`). */
    admission: BytesInFlight;
  }
}

/** Options of {@link admissionPlugin}. */
export interface AdmissionPluginOptions {
  /** `limits.maxBytesInFlight`. */
  maxBytesInFlight: number;
  /** `limits.maxBodyBytes`: no body reserves more than this (a longer one is refused with 413 as it is read). */
  maxBodyBytes: number;
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
  maxBodies.set(admission, opts.maxBodyBytes);
}

const maxBodies = new WeakMap<BytesInFlight, number>();

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
  const maxBody = maxBodies.get(admission) ?? Number.MAX_SAFE_INTEGER;
  app.addHook('onRequest', async (request, reply) => {
    const length = Number(request.headers['content-length'] ?? 0);
    const declared = Number.isSafeInteger(length) && length > 0 ? Math.min(length, maxBody) : 0;
    const reservation = admission.admit(request.raw, declared);
    if (!reservation) {
      throw new SaturatedError(
        `${admission.bytesInFlight()} bytes of request bodies and pending rows are in flight; this body of ${declared} bytes would pass limits.maxBytesInFlight (${admission.limit}); nothing of it was read; retry after the delay in Retry-After`,
      );
    }
    onRequestEnd(request, reply, () => reservation.release());
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
