import type { FastifyRequest } from 'fastify';
import { Type } from '@fastify/type-provider-typebox';
import { projectOf } from '../http/request-context.js';
import type { WindowBoundsRow, WindowResultFilter } from '../store/repositories/window-results.js';
import { parseTimeParam } from './read-plugin.js';

/*
 * What the per-window result endpoints (drift, data quality, SLA, quality) share. Their query
 * schemas spread `WindowModelFields` first, then their own filters, `WindowRangeFields`, their
 * own flags and `limit: WindowResultLimit` (fields are validated in that order).
 */

export const WindowModelFields = {
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.Optional(Type.String({ maxLength: 256 })),
};

export const WindowRangeFields = {
  from: Type.Optional(Type.String({ description: 'window start at or after; ISO-8601 or Unix milliseconds' })),
  to: Type.Optional(Type.String({ description: 'window start before; ISO-8601 or Unix milliseconds' })),
};

/** `segment` of the per-segment endpoints (drift, data quality, quality). */
export const WindowSegmentField = {
  segment: Type.Optional(Type.String({ maxLength: 256, description: "a segment's results; absent: the whole windows' (segment ''); * for every segment and the whole windows" })),
};

export const WindowResultLimit = Type.Integer({ minimum: 1, maximum: 100000, default: 10000 });

/** Query fields shared by the per-window result endpoints. */
export interface WindowResultQuery {
  project?: string | undefined;
  model: string;
  version?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
}

/**
 * The filter of a per-window result table: project (the query's, else the request's), model,
 * optional version, `from` / `to` bounds on the window start, and the limit.
 * @throws BadRequestError for a time or an `X-Inferlens-Project` header it cannot take.
 */
export function windowResultFilter(request: FastifyRequest, q: WindowResultQuery): WindowResultFilter {
  return { project: q.project ?? projectOf(request), model: q.model, version: q.version, from: parseTimeParam('from', q.from), to: parseTimeParam('to', q.to), limit: q.limit };
}

/** A stored result's window, as ISO-8601 times. */
export function windowBounds(r: WindowBoundsRow): { windowStart: string; windowEnd: string } {
  return { windowStart: new Date(Number(r.windowStart)).toISOString(), windowEnd: new Date(Number(r.windowEnd)).toISOString() };
}
