import type { FastifyRequest } from 'fastify';
import { projectOf } from '../http/request-context.js';

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

  /**
   * Adds `column >= from` and `column < to`, bound as `{from:Int64}` / `{to:Int64}` Unix
   * nanoseconds (as `parseTimeParam` gives them); each is skipped when undefined.
   * `column` is a literal of ours.
   */
  timeRange(column: string, from: string | undefined, to: string | undefined): this {
    return this.add(`${column} >= fromUnixTimestamp64Nano({from:Int64})`, 'from', from).add(`${column} < fromUnixTimestamp64Nano({to:Int64})`, 'to', to);
  }

  /** Binds a parameter used elsewhere in the query (a `LIMIT`, a step), without a condition. */
  bind(name: string, value: unknown): this {
    this.params[name] = value;
    return this;
  }

  /** The conditions joined with AND (`1` when there is none). */
  where(): string {
    return this.#conditions.length > 0 ? this.#conditions.join(' AND ') : '1';
  }
}

/**
 * A filter on project (the query's, else the request's), then model and version when given.
 * @throws BadProjectHeaderError when the project comes from an invalid `X-Inferlens-Project` header.
 */
export function modelFilter(request: FastifyRequest, q: { project?: string | undefined; model?: string | undefined; version?: string | undefined }): SqlFilter {
  return new SqlFilter()
    .add('Project = {project:String}', 'project', q.project ?? projectOf(request))
    .add('ModelName = {model:String}', 'model', q.model)
    .add('ModelVersion = {version:String}', 'version', q.version);
}
