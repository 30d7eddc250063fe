import { ALL_TABLES } from '../store/schema/all-tables.js';
import type { AnyTableDefinition } from '../store/schema/TableDefinition.js';

/** What the read-only interface's user may see of Inferlens' tables. */
export interface TableScope {
  /** Tables the interface refuses to read (by name, without the database). */
  readonly refusedTables: ReadonlySet<string>;
  /** When set, the only tables it reads (a view over a table, which a row filter would not reach, is not one of them). */
  readonly onlyTables?: ReadonlySet<string>;
  /** A row filter per table (`additional_table_filters`, forced on every query): a project's rows only. */
  readonly rowFilters: ReadonlyMap<string, string>;
}

/** Tables never served: key hashes and the audit trail are not for dashboards. */
export const NEVER_SERVED = ['api_keys', 'audit_log'] as const;

/**
 * Tables without a project that hold nothing of one: the schema's own bookkeeping, and the
 * trace id lookup (a trace's first and last second, found by its id; Grafana's trace view reads
 * it before the project's spans).
 */
const PROJECT_FREE = new Set(['inferlens_schema_migrations', 'inferlens_readiness_probe', 'otel_traces_trace_id_ts']);

/**
 * The tables the interface serves, and how, for one project (`clickhouseHttp.project`) or for
 * all (''). For a project, a table with a `Project` column is filtered to that project's rows,
 * alert tables to the alerts labelled with it (`Labels['project']`); every other table but the
 * project-free ones above is refused, and so is any other name (a materialized view reads its
 * table without the filter). Never served: {@link NEVER_SERVED}. The project reaches
 * SQL as hexadecimal (`unhex('...')`), so no name can change the filter.
 */
export function tableScope(project: string, tables: readonly AnyTableDefinition[] = ALL_TABLES): TableScope {
  const refusedTables = new Set<string>(NEVER_SERVED);
  const rowFilters = new Map<string, string>();
  if (project === '') return { refusedTables, rowFilters };
  const value = `unhex('${Buffer.from(project, 'utf8').toString('hex')}')`;
  for (const def of tables) {
    if (refusedTables.has(def.name)) continue;
    const columns = def.definitions;
    if (columns.Project !== undefined) rowFilters.set(def.name, `Project = ${value}`);
    else if (columns.Labels !== undefined) rowFilters.set(def.name, `Labels['project'] = ${value}`);
    else if (!PROJECT_FREE.has(def.name)) refusedTables.add(def.name);
  }
  return { refusedTables, rowFilters, onlyTables: new Set([...rowFilters.keys(), ...PROJECT_FREE]) };
}

/** `additional_table_filters`' value: a map literal from table name to filter. */
export function additionalTableFilters(rowFilters: ReadonlyMap<string, string>): string {
  const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `{${[...rowFilters].map(([table, filter]) => `${literal(table)}: ${literal(filter)}`).join(', ')}}`;
}
