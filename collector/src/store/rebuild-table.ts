import { randomBytes } from 'node:crypto';
import type { Ddl } from './schema/ddl.js';
import type { AnyTableDefinition } from './schema/TableDefinition.js';

/** What a migration step that reads the database needs of the store. */
export interface MigrationTarget {
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
}

/**
 * Brings an existing table to its definition's keys, which `ALTER` cannot change: a staging
 * table made from the definition, a copy partition by partition, an atomic swap
 * (`EXCHANGE TABLES`, which needs an Atomic database: every database a current ClickHouse
 * creates), then the old table dropped. Materialized views that read the table follow its name,
 * so they read the new one.
 *
 * Safe to run again after an interruption at any point: a table whose keys are the definition's
 * is left alone (a fresh database, or a rebuild that got past its swap), and staging tables left
 * by an interrupted run (`<name>_<tag>_<8 hex>`) are dropped first; a copy not swapped in yet is
 * made again from the start. Safe when several collectors start at once on one store: each
 * copies into a staging table of its own name, so two copies never mix; one that finds its
 * staging table dropped by another fails and changes nothing, and a swap puts in a whole copy
 * (a later one swaps in a whole copy of the first's). On a cluster the same steps run
 * `ON CLUSTER` on the local tables (keys read from every replica), the copy goes through the
 * Distributed tables, and the Distributed table is made again over the new local ones.
 *
 * Not safe against writers: spans that collectors already running on the new keys' side insert
 * while the copy runs can miss the new table. Collectors migrate when they start, before they
 * take data; upgrade the collectors of one store together (stop them, then start them).
 *
 * @param tag names this rebuild's staging tables (`<name>_<tag>_<8 hex>`) and their replication paths
 * @returns whether this call swapped a new table in (false: the table had the keys already)
 */
export async function rebuildTable(db: MigrationTarget, ddl: Ddl, def: AnyTableDefinition, tag: string): Promise<boolean> {
  const plan = ddl.rebuild(def, `${tag}_${randomBytes(4).toString('hex')}`);
  const tables = plan.systemTable('tables');
  // Staging tables of interrupted rebuilds.
  const prefix = `${def.name}_${tag}_`;
  const staging = new RegExp(`^${prefix}[0-9a-f]{8}(?:_local)?$`);
  const found = await db.query<{ name: string }>(`SELECT DISTINCT name FROM ${tables.from} WHERE database = ${tables.database} AND startsWith(name, {prefix:String})`, { prefix });
  for (const { name } of found.filter((t) => staging.test(t.name)).sort((a, b) => a.name.localeCompare(b.name))) for (const s of plan.drop(name)) await db.command(s);

  const keys = await db.query<{ sorting_key: string; primary_key: string }>(
    `SELECT sorting_key, primary_key FROM ${tables.from} WHERE database = ${tables.database} AND name = {table:String}`,
    { table: tables.table },
  );
  if (keys.length === 0) throw new Error(`cannot rebuild ${def.name}: the table does not exist`);
  const current = keys.every((k) => k.sorting_key === plan.expectedKeys.sorting && k.primary_key === plan.expectedKeys.primary);
  if (!current) {
    for (const s of plan.createStaging) await db.command(s);
    // The stored columns the old table has (an ALIAS or MATERIALIZED column is computed, not copied).
    const columns = plan.systemTable('columns');
    const stored = await db.query<{ name: string }>(
      `SELECT DISTINCT name, position FROM ${columns.from} WHERE database = ${columns.database} AND table = {table:String}
       AND default_kind NOT IN ('ALIAS', 'MATERIALIZED') ORDER BY position`,
      { table: columns.table },
    );
    const inserted = new Set(def.columns);
    const copied = stored.map((c) => c.name).filter((name) => inserted.has(name));
    const parts = plan.systemTable('parts');
    const partitions = await db.query<{ partition: string }>(
      `SELECT DISTINCT partition FROM ${parts.from} WHERE database = ${parts.database} AND table = {table:String} AND active ORDER BY partition`,
      { table: parts.table },
    );
    const copy = plan.copy(copied.map((c) => '`' + c + '`'));
    for (const { partition } of partitions) await db.command(copy, { partition });
    for (const s of plan.swap) await db.command(s);
  }
  for (const s of plan.finish) await db.command(s);
  if (!current) for (const s of plan.dropStaging) await db.command(s);
  return !current;
}
