import type { FastifyRequest } from 'fastify';
import { Type } from '@fastify/type-provider-typebox';
import { parseTimeParam } from './read-plugin.js';
import { modelFilter, type SqlFilter } from './sql-filter.js';

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
 * optional version, and `from` / `to` bounds on `WindowStart`; `limit` is bound as `{limit:UInt32}`.
 */
export function windowResultFilter(request: FastifyRequest, q: WindowResultQuery): SqlFilter {
  return modelFilter(request, q)
    .timeRange('WindowStart', parseTimeParam('from', q.from), parseTimeParam('to', q.to))
    .bind('limit', q.limit);
}

/** SELECT expressions for a row's window as Unix-millisecond text; read them back with `windowBounds`. */
export const WINDOW_BOUNDS_SQL = 'toString(toUnixTimestamp64Milli(WindowStart)) AS windowStart, toString(toUnixTimestamp64Milli(WindowEnd)) AS windowEnd';

/** The columns `WINDOW_BOUNDS_SQL` selects. */
export interface WindowBoundsRow {
  windowStart: string;
  windowEnd: string;
}

/** The window of a row selected with `WINDOW_BOUNDS_SQL`, as ISO-8601 times. */
export function windowBounds(r: WindowBoundsRow): { windowStart: string; windowEnd: string } {
  return { windowStart: new Date(Number(r.windowStart)).toISOString(), windowEnd: new Date(Number(r.windowEnd)).toISOString() };
}
