import type { IncomingMessage } from 'node:http';
import { errorCodes, type FastifyRequest } from 'fastify';

type Done = (err: Error | null, body?: Buffer) => void;

/**
 * A Fastify content-type parser that hands the route the body as one Buffer, as
 * `parseAs: 'buffer'` does, with less memory: a body with a `Content-Length` is copied into one
 * Buffer of that size as it arrives, where Fastify's own keeps every chunk until the end and then
 * copies them into a new Buffer (each body held twice at its end, and its chunks until the next
 * garbage collection). With many large bodies in flight that difference is most of the
 * collector's peak memory above the engine's (docs/reliability.md, overload). A body without a
 * length (chunked) is collected in chunks, as before. Limits and errors are Fastify's: a body over
 * `limit` is refused with `FST_ERR_CTP_BODY_TOO_LARGE` (413), one whose length differs from its
 * `Content-Length` with `FST_ERR_CTP_INVALID_CONTENT_LENGTH` (400), a stream error with 400.
 */
export function bufferBodyParser(limit: number): (request: FastifyRequest, payload: IncomingMessage, done: Done) => void {
  return (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    const known = request.headers['content-length'] !== undefined && Number.isSafeInteger(declared) && declared >= 0;
    if (known && declared > limit) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    const body = known ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;

    const stop = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onEnd);
    };
    function onData(chunk: Buffer | string): void {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (received + bytes.length > limit) {
        stop();
        return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      }
      if (body !== undefined) {
        if (received + bytes.length > body.length) {
          stop();
          return done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
        }
        bytes.copy(body, received);
      } else {
        chunks.push(bytes);
      }
      received += bytes.length;
    }
    function onEnd(err?: Error & { statusCode?: number }): void {
      stop();
      if (err) {
        if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
        return done(err);
      }
      if (known && received !== declared) return done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      done(null, body ?? Buffer.concat(chunks, received));
    }
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onEnd);
    payload.resume();
  };
}
