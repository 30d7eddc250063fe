import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type CollectorError, RequestInvalidError, RequestTimeoutError } from '../errors.js';

/** Connections already answered by {@link clientErrorHandler}. */
const answered = new WeakSet<Socket>();

/**
 * Whether {@link clientErrorHandler} already answered `socket` (a 408 to a body that did not
 * arrive in time): the request still being read on it then fails too (its body is cut short),
 * and that failure is neither answered again nor counted as a refusal.
 */
export function answeredAsClientError(socket: Socket | null | undefined): boolean {
  return socket != null && answered.has(socket);
}

/**
 * Answers a connection's client error (Node's `clientError`, before any route runs), as
 * Fastify's default handler does, but with the collector's codes: a request whose headers or
 * body did not arrive in time (`limits.headersTimeoutMs`, `limits.requestTimeoutMs`) gets 408
 * `REQUEST_TIMEOUT` in JSON `{ error, message }`, and its connection is closed; a malformed
 * request gets 400 `REQUEST_INVALID` (431 for headers too large). A connection is answered (and
 * counted in `inferlens_requests_refused_total`) once. Never throws.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  // A connection is answered once: closing it after a 408 raises a second client error
  // (HPE_INVALID_EOF_STATE, the request cut short), which is neither answered nor counted
  // (nor is the failure of the route reading that body: see answeredAsClientError).
  if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  let e: CollectorError;
  let status: number;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    e = new RequestTimeoutError(
      'the request did not arrive in time (limits.headersTimeoutMs for its headers, limits.requestTimeoutMs for the whole request); send it faster or in smaller parts',
    );
    status = e.statusCode;
  } else {
    e = new RequestInvalidError(err.code === 'HPE_HEADER_OVERFLOW' ? 'the request headers are larger than the server accepts' : 'the request is not valid HTTP');
    status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : e.statusCode;
  }
  if (this.hasDecorator('metrics')) this.metrics.requestsRefused.inc({ code: e.code });
  const body = JSON.stringify({ error: e.code, message: e.message });
  this.log.debug({ err }, 'client error');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  // End after the answer is written (destroying at once may drop it while the client still sends).
  socket.end();
  setTimeout(() => socket.destroy(), 1000).unref();
}
