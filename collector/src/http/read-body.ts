import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyRequest } from 'fastify';
import { BadGzipError, BodyTooLargeError, SaturatedError, UnsupportedMediaTypeError } from '../errors.js';

const gunzipAsync = promisify(gunzip);

/** The media type of a request, lowercased and without parameters (`application/json`). */
export function mediaType(request: FastifyRequest): string {
  const raw = request.headers['content-type'] ?? '';
  return raw.split(';')[0]!.trim().toLowerCase();
}

/**
 * Returns the request body as bytes, decompressed when `Content-Encoding: gzip`.
 * Decompression stops at `maxDecompressedBytes`: a gzip bomb is refused with 413
 * and never inflated past the limit.
 */
export async function readBody(
  request: FastifyRequest,
  allowed: readonly string[],
  maxDecompressedBytes: number,
): Promise<{ body: Buffer; mediaType: string }> {
  const type = mediaType(request);
  if (!allowed.includes(type)) {
    throw new UnsupportedMediaTypeError(
      `${request.method} ${request.url}: unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}; send one of ${allowed.join(', ')}`,
    );
  }
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return { body: raw, mediaType: type };
  if (encoding !== 'gzip') {
    throw new UnsupportedMediaTypeError(`unsupported Content-Encoding ${JSON.stringify(encoding)}; send gzip or no encoding`);
  }
  let body: Buffer;
  try {
    body = await gunzipAsync(raw, { maxOutputLength: maxDecompressedBytes });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new BodyTooLargeError(
        `the gzip body inflates to more than ${maxDecompressedBytes} bytes (limit limits.maxDecompressedBytes); send smaller requests`,
      );
    }
    throw new BadGzipError(`Content-Encoding is gzip but the body is not valid gzip: ${e.message}`, { cause: err });
  }
  // The inflated body is in memory too, until the rows are staged (admission control): refused
  // when it takes what is in flight past the limit.
  const reservation = request.server.hasDecorator('admission') ? request.server.admission.of(request.raw) : undefined;
  if (reservation && !reservation.grow(body.length)) {
    reservation.release();
    throw new SaturatedError(
      `this gzip body inflates to ${body.length} bytes, which would pass limits.maxBytesInFlight (${request.server.admission.limit} bytes of request bodies and pending rows in flight); nothing of it was stored; retry after the delay in Retry-After, or send smaller requests`,
    );
  }
  return { body, mediaType: type };
}

/**
 * Tells that a request's body is staged (its rows pending in the batchers, which count their
 * bytes): releases its admission reservation and drops the request's reference to the body. The
 * request lives until its rows are stored (seconds under load) and the body need not: held, the
 * bodies of the requests waiting for their inserts were memory that admission control no longer
 * counted (docs/reliability.md, overload). Call it once nothing reads the body any more.
 */
export function bodyStaged(request: FastifyRequest): void {
  if (request.server.hasDecorator('admission')) request.server.admission.of(request.raw)?.release();
  (request as { body: unknown }).body = undefined;
}
