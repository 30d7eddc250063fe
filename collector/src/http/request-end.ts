import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Calls `done` exactly once, on whichever comes first: the response finishes or closes, or the
 * request's connection closes. The response alone is not enough: a request queued behind another
 * on a keep-alive connection (pipelined) whose client goes away never gets a response, and Node
 * never closes that response object; the socket's `close` does come. The listeners are removed
 * once `done` ran, so a long keep-alive connection does not gather them.
 */
export function onRequestEnd(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const res = reply.raw;
  const socket = request.raw.socket;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    res.off('finish', end);
    res.off('close', end);
    socket?.off('close', end);
    done();
  };
  if (socket?.destroyed) {
    end();
    return;
  }
  res.once('finish', end);
  res.once('close', end);
  socket?.once('close', end);
}
