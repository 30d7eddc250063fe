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
  return `${name} ${c.type.sql}${c.default !== undefined ? ` DEFAULT ${c.default}` : ''}${c.codec ? ` CODEC(${c.codec})` : ''}`;
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

function quote(identifier: string): string {
  return '`' + identifier.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
