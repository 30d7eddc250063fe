/**
 * A WHERE clause built from conditions whose values travel only as `{name:Type}` query
 * parameters: the text of a condition is always a literal of a read module, never a value from a
 * request. Only the modules in `store/repositories/` build SQL.
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

/** Project, then model and version when given. */
export interface ModelScope {
  project: string;
  model?: string | undefined;
  version?: string | undefined;
}

/** A filter on project, then model and version when given. */
export function modelFilter(scope: ModelScope): SqlFilter {
  return new SqlFilter()
    .add('Project = {project:String}', 'project', scope.project)
    .add('ModelName = {model:String}', 'model', scope.model)
    .add('ModelVersion = {version:String}', 'version', scope.version);
}

/** A time range as Unix nanoseconds in decimal strings (the API's `parseTimeParam`), each bound optional. */
export interface NanoRange {
  from?: string | undefined;
  to?: string | undefined;
}
