import type { FastifyRequest } from 'fastify';
import { projectOf } from '../ingest/request-context.js';
import { parseTimeParam } from './read-plugin.js';

/**
 * A WHERE clause built from conditions whose values travel only as `{name:Type}` query
 * parameters: the text of a condition is always a literal of ours, never a value from a request.
 */
export class SqlFilter {
  readonly #conditions: string[] = [];
  /** The parameters to bind with the query. */
  readonly params: Record<string, unknown> = {};

  /** Adds `condition` (using `{name:Type}`) with `value` bound to `name`; skipped when `value` is undefined. */
  add(condition: string, name: string, value: unknown): this {
    if (value === undefined) return this;
    this.#conditions.push(condition);
    this.params[name] = value;
    return this;
  }

  /** Adds a condition without a parameter. */
  addRaw(condition: string): this {
    this.#conditions.push(condition);
    return this;
  }

  /** The conditions joined with AND (`1` when there is none). */
  where(): string {
    return this.#conditions.length > 0 ? this.#conditions.join(' AND ') : '1';
  }
}

/** Query fields shared by the per-window result endpoints (drift, data quality, SLA, quality). */
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
  const filter = new SqlFilter()
    .add('Project = {project:String}', 'project', q.project ?? projectOf(request))
    .add('ModelName = {model:String}', 'model', q.model)
    .add('ModelVersion = {version:String}', 'version', q.version)
    .add('WindowStart >= fromUnixTimestamp64Nano({from:Int64})', 'from', parseTimeParam('from', q.from))
    .add('WindowStart < fromUnixTimestamp64Nano({to:Int64})', 'to', parseTimeParam('to', q.to));
  filter.params.limit = q.limit;
  return filter;
}
