import type { FastifyRequest } from 'fastify';

/** Header naming the project of every record in a request. */
export const PROJECT_HEADER = 'x-inferlens-project';

/** The request's project: the `X-Inferlens-Project` header, else `default`. */
export function projectOf(request: FastifyRequest): string {
  const h = request.headers[PROJECT_HEADER];
  const v = Array.isArray(h) ? h[0] : h;
  return v && v.trim() ? v.trim().slice(0, 128) : 'default';
}

/** Current time in Unix nanoseconds (millisecond resolution with a sub-ms part from hrtime). */
export function nowUnixNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
