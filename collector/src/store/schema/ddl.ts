import type { AnyTableDefinition, ColumnDefinition } from './TableDefinition.js';

/**
 * A materialized view, defined once: it fills `to` from every insert into `from`. `select`
 * receives the name of the source as the topology has it (a cluster reads the local table).
 */
export interface ViewDefinition {
  readonly name: string;
  readonly to: AnyTableDefinition;
  readonly from: AnyTableDefinition;
  select(source: string): string;
}

/** Defines a materialized view (see {@link ViewDefinition}). */
export function defineView(name: string, to: AnyTableDefinition, from: AnyTableDefinition, select: (source: string) => string): ViewDefinition {
  return { name, to, from, select };
}

/** Where the DDL runs. */
export type Topology =
  /** Embedded chDB or one ClickHouse server: the same statements (optionally in a named database). */
  | { kind: 'single'; database?: string }
  /**
   * A cluster: each table is a `Replicated*` table `<name>_local` on every node (`ON CLUSTER`)
   * with a `Distributed` table `<name>` over it, which the collector reads and writes; views
   * fill local tables from local tables.
   */
  | { kind: 'cluster'; cluster: string; database: string };

/**
 * The DDL of the table and view definitions for one {@link Topology}. Migrations build their
 * statements with it, so one definition gives the embedded, server and cluster schemas.
 */
export class Ddl {
  readonly topology: Topology;

  constructor(topology: Topology = { kind: 'single' }) {
    this.topology = topology;
  }

  /** The embedded and single-server DDL. */
  static readonly SINGLE = new Ddl();

  /** `CREATE DATABASE IF NOT EXISTS` for the topology's database (none for the default database). */
  database(): string[] {
    const t = this.topology;
    if (t.database === undefined) return [];
    return [`CREATE DATABASE IF NOT EXISTS ${t.database}${t.kind === 'cluster' ? ` ON CLUSTER ${quote(t.cluster)}` : ''}`];
  }

  /** `CREATE TABLE IF NOT EXISTS` for `def` (and, on a cluster, its `Distributed` table). */
  table(def: AnyTableDefinition): string[] {
    const body = `(\n${columnLines(def).join(',\n')}\n)`;
    const t = this.topology;
    if (t.kind === 'single') return [`CREATE TABLE IF NOT EXISTS ${this.#name(def.name)} ${body} ENGINE = ${def.layout.engine}${clauses(def)}`];
    const local = `${def.name}_local`;
    const onCluster = `ON CLUSTER ${quote(t.cluster)}`;
    return [
      `CREATE TABLE IF NOT EXISTS ${this.#name(local)} ${onCluster} ${body} ENGINE = ${replicated(def.layout.engine, `/clickhouse/tables/{shard}/${t.database}/${local}`)}${clauses(def)}`,
      `CREATE TABLE IF NOT EXISTS ${this.#name(def.name)} ${onCluster} AS ${this.#name(local)}\nENGINE = Distributed(${literal(t.cluster)}, ${literal(t.database)}, ${literal(local)}, ${shardingKey(def)})`,
    ];
  }

  /**
   * `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` for the column `field` of `def`, placed after the
   * column before it in the definition, so that an upgraded table equals a fresh one (on a
   * cluster: the local tables, then the `Distributed` one).
   */
  addColumn(def: AnyTableDefinition, field: string): string[] {
    const entries = Object.entries(def.definitions);
    const i = entries.findIndex(([name]) => name === field);
    if (i < 0) throw new Error(`${def.name} has no column ${field}`);
    if (entries[i]![1].nested) throw new Error(`${def.name}.${field}: a Nested member cannot be added alone`);
    const after = i > 0 ? ` AFTER ${entries[i - 1]![0]}` : ' FIRST';
    const add = `ADD COLUMN IF NOT EXISTS ${columnLine(field, entries[i]![1])}${after}`;
    const t = this.topology;
    if (t.kind === 'single') return [`ALTER TABLE ${this.#name(def.name)} ${add}`];
    const onCluster = `ON CLUSTER ${quote(t.cluster)}`;
    return [`ALTER TABLE ${this.#name(`${def.name}_local`)} ${onCluster} ${add}`, `ALTER TABLE ${this.#name(def.name)} ${onCluster} ${add}`];
  }

  /**
   * {@link addColumn} for a column that joins the end of `def`'s sorting key: the same `ADD
   * COLUMN`, and in the same statement `MODIFY ORDER BY` the definition's sorting key (ClickHouse
   * lets only a column added by that statement, without a DEFAULT, join the key; the primary key
   * stays the old key, which the definition states as `primaryKey`). Running it again changes
   * nothing. On a cluster the `Distributed` table gets the column only.
   */
  addSortingKeyColumn(def: AnyTableDefinition, field: string): string[] {
    const l = def.layout;
    if (!l.orderBy || !l.primaryKey) throw new Error(`${def.name}: a column added to the sorting key needs orderBy and primaryKey (the key before it)`);
    if (def.definitions[field]?.default !== undefined) throw new Error(`${def.name}.${field}: a column added to the sorting key cannot have a DEFAULT`);
    const [local, ...rest] = this.addColumn(def, field);
    return [`${local}, MODIFY ORDER BY ${l.orderBy}`, ...rest];
  }

  /**
   * `ALTER TABLE ... ADD INDEX IF NOT EXISTS` for the data-skipping index `name` of `def`, placed
   * after the index before it in the definition, so that an upgraded table equals a fresh one (on
   * a cluster: the local tables, which hold the data). Parts written before it get the index as
   * they merge.
   */
  addIndex(def: AnyTableDefinition, name: string): string[] {
    const indexes = def.layout.indexes ?? [];
    const i = indexes.findIndex((x) => x.split(' ', 1)[0] === name);
    if (i < 0) throw new Error(`${def.name} has no index ${name}`);
    const after = i > 0 ? ` AFTER ${indexes[i - 1]!.split(' ', 1)[0]}` : ' FIRST';
    const add = `ADD INDEX IF NOT EXISTS ${indexes[i]}${after}`;
    const t = this.topology;
    if (t.kind === 'single') return [`ALTER TABLE ${this.#name(def.name)} ${add}`];
    return [`ALTER TABLE ${this.#name(`${def.name}_local`)} ON CLUSTER ${quote(t.cluster)} ${add}`];
  }

  /** `CREATE MATERIALIZED VIEW IF NOT EXISTS` for `view`. */
  view(view: ViewDefinition): string[] {
    const t = this.topology;
    if (t.kind === 'single') return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${this.#name(view.name)} TO ${this.#name(view.to.name)} AS\n${view.select(this.#name(view.from.name))}`];
    return [
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${this.#name(view.name)} ON CLUSTER ${quote(t.cluster)} TO ${this.#name(`${view.to.name}_local`)} AS\n${view.select(this.#name(`${view.from.name}_local`))}`,
    ];
  }

  /** Fills `view`'s target with what its source already holds (`INSERT ... SELECT`; for views whose aggregates may be applied twice). */
  backfill(view: ViewDefinition): string[] {
    return [`INSERT INTO ${this.#name(view.to.name)} ${view.select(this.#name(view.from.name))}`];
  }

  /**
   * The statements of a rebuild of `def` (new table, copy, swap; see `rebuild-table.ts`), for a
   * change that `ALTER` cannot make (the sorting or primary key). `tag` names the staging tables
   * (`<name>_<tag>`) and, on a cluster, their replication path, which the rebuilt table keeps:
   * each run needs a tag of its own (`rebuildTable` adds random hex to the migration's).
   */
  rebuild(def: AnyTableDefinition, tag: string): RebuildStatements {
    if (!IDENTIFIER.test(tag)) throw new Error(`rebuild tag ${JSON.stringify(tag)}: expected an identifier`);
    const t = this.topology;
    const staging = `${def.name}_${tag}`;
    const stagingDef = { ...def, name: staging, table: staging };
    const expectedKeys = { sorting: unparen(def.layout.orderBy ?? ''), primary: unparen(def.layout.primaryKey ?? def.layout.orderBy ?? '') };
    const partition = def.layout.partitionBy;
    if (partition === undefined) throw new Error(`${def.name}: a rebuild copies partition by partition; the table has none`);
    const where = `${partition} = {partition:String}`;
    if (t.kind === 'single') {
      const database = t.database === undefined ? 'currentDatabase()' : literal(t.database);
      return {
        expectedKeys,
        systemTable: (table) => ({ from: `system.${table}`, database, table: def.name }),
        dropStaging: [`DROP TABLE IF EXISTS ${this.#name(staging)} SYNC`],
        drop: (name) => [`DROP TABLE IF EXISTS ${this.#name(name)} SYNC`],
        createStaging: this.table(stagingDef),
        copy: (columns) => `INSERT INTO ${this.#name(staging)} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${this.#name(def.name)} WHERE ${where}`,
        swap: [`EXCHANGE TABLES ${this.#name(def.name)} AND ${this.#name(staging)}`],
        finish: [],
      };
    }
    const onCluster = `ON CLUSTER ${quote(t.cluster)}`;
    const local = `${def.name}_local`;
    const stagingLocal = `${staging}_local`;
    const [, distributed] = this.table(def);
    return {
      expectedKeys,
      systemTable: (table) => ({ from: `clusterAllReplicas(${literal(t.cluster)}, system.${table})`, database: literal(t.database), table: local }),
      dropStaging: [`DROP TABLE IF EXISTS ${this.#name(staging)} ${onCluster} SYNC`, `DROP TABLE IF EXISTS ${this.#name(stagingLocal)} ${onCluster} SYNC`],
      drop: (name) => [`DROP TABLE IF EXISTS ${this.#name(name)} ${onCluster} SYNC`],
      createStaging: this.table(stagingDef),
      // Through the Distributed tables: every shard's rows reach the new local tables, spread as inserts are.
      copy: (columns) => `INSERT INTO ${this.#name(staging)} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${this.#name(def.name)} WHERE ${where}`,
      swap: [`EXCHANGE TABLES ${this.#name(local)} AND ${this.#name(stagingLocal)} ${onCluster}`],
      // The Distributed table takes the new columns (it was made AS the old local table).
      finish: [distributed!.replace(/^CREATE TABLE IF NOT EXISTS /, 'CREATE OR REPLACE TABLE ')],
    };
  }

  #name(name: string): string {
    const database = this.topology.database;
    return database === undefined ? name : `${database}.${name}`;
  }
}

function columnLines(def: AnyTableDefinition): string[] {
  const lines: string[] = [];
  const groups = new Set<string>();
  const entries = Object.entries(def.definitions);
  for (const [field, c] of entries) {
    if (c.nested) {
      const { group } = c.nested;
      if (groups.has(group)) continue;
      groups.add(group);
      const members = entries.filter(([, m]) => m.nested?.group === group);
      const first = entries.findIndex(([, m]) => m.nested?.group === group);
      if (entries.slice(first, first + members.length).some(([, m]) => m.nested?.group !== group)) throw new Error(`${def.name}: the members of ${group} are not adjacent`);
      const codec = members.map(([, m]) => m.nested!.groupCodec).find((x) => x !== undefined);
      const inner = members.map(([, m]) => `        ${m.nested!.member} ${m.type.sql.slice('Array('.length, -1)}`);
      lines.push(`    ${group} Nested (\n${inner.join(',\n')}\n    )${codec ? ` CODEC(${codec})` : ''}`);
      continue;
    }
    lines.push(`    ${columnLine(field, c)}`);
  }
  for (const index of def.layout.indexes ?? []) lines.push(`    INDEX ${index}`);
  return lines;
}

function columnLine(name: string, c: ColumnDefinition): string {
  const value = c.alias !== undefined ? ` ALIAS ${c.alias}` : c.default !== undefined ? ` DEFAULT ${c.default}` : '';
  return `${name} ${c.type.sql}${value}${c.codec ? ` CODEC(${c.codec})` : ''}`;
}

function clauses(def: AnyTableDefinition): string {
  const l = def.layout;
  return [
    l.partitionBy && `PARTITION BY ${l.partitionBy}`,
    l.primaryKey && `PRIMARY KEY ${l.primaryKey}`,
    l.orderBy && `ORDER BY ${l.orderBy}`,
    l.settings && `SETTINGS ${l.settings}`,
  ]
    .filter(Boolean)
    .map((c) => `\n${c}`)
    .join('');
}

/** `ReplacingMergeTree(v)` → `ReplicatedReplacingMergeTree('<path>', '{replica}', v)`; `Null` stays. */
function replicated(engine: string, path: string): string {
  const m = /^(\w*MergeTree)(?:\((.*)\))?$/.exec(engine);
  if (!m) return engine;
  return `Replicated${m[1]}(${[literal(path), literal('{replica}'), ...(m[2] ? [m[2]] : [])].join(', ')})`;
}

/**
 * Rows an engine merges by key (Replacing, Aggregating) must reach the same shard: those tables
 * shard by a hash of their sorting key; the others spread rows at random.
 */
function shardingKey(def: AnyTableDefinition): string {
  const l = def.layout;
  if (l.shardingKey) return l.shardingKey;
  if (/^(Replacing|Aggregating|Summing|Collapsing)/.test(l.engine) && l.orderBy) return `cityHash64(${l.orderBy.replace(/^\((.*)\)$/, '$1')})`;
  return 'rand()';
}

/** What {@link Ddl.rebuild} gives: statements, and where to read the state of the table. */
export interface RebuildStatements {
  /** The definition's keys as `system.tables` shows them (`sorting_key`, `primary_key`). */
  readonly expectedKeys: { readonly sorting: string; readonly primary: string };
  /** Where `system.<table>` rows of the table that holds the data are (every replica's, on a cluster): `FROM`, the database (SQL) and the table name. */
  systemTable(table: 'tables' | 'parts' | 'columns'): { from: string; database: string; table: string };
  /** Drops the staging tables (`IF EXISTS`). */
  readonly dropStaging: readonly string[];
  /** Drops a table of the database (`IF EXISTS`; on every node of a cluster). */
  drop(name: string): string[];
  /** Creates the staging tables from the definition. */
  readonly createStaging: readonly string[];
  /** Copies one partition (`{partition:String}`, as `system.parts` names it) of the given columns into the staging table. */
  copy(columns: readonly string[]): string;
  /** Swaps the table holding the data with its staging table (atomic). */
  readonly swap: readonly string[];
  /** Runs after the swap, and again on every later run (idempotent). */
  readonly finish: readonly string[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A key as `system.tables` shows it: a tuple of several expressions without its parentheses (`(a)` stays). */
function unparen(expression: string): string {
  const m = /^\((.*)\)$/.exec(expression);
  if (!m) return expression;
  let depth = 0;
  for (const ch of m[1]!) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) return m[1]!;
  }
  return expression;
}

function quote(identifier: string): string {
  return '`' + identifier.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
