import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { schemaStatements } from './store/migrations.js';
import { Ddl } from './store/schema/ddl.js';

/** `--help` of `inferlens-collector schema`. */
export const SCHEMA_HELP = `Usage: inferlens-collector schema [--cluster NAME] [--database NAME] [--config FILE]

Prints the DDL the collector applies to a fresh database, one statement after another, each
ending with ";": the migrations table and every migration, for one node (embedded chDB or one
server) or, with --cluster, for a ClickHouse cluster (ON CLUSTER, Replicated*MergeTree local
tables with the {shard}/{replica} macros, Distributed tables over them). --cluster and
--database default to clickhouse.cluster and clickhouse.database of the configuration
(file, INFERLENS_* variables). Nothing is connected to.
`;

/**
 * `inferlens-collector schema`: the statements of {@link schemaStatements} for the topology the
 * arguments and the configuration give, as text. Returns the exit code and the text for stdout
 * or stderr; reads nothing but the configuration.
 */
export function schemaCommand(args: string[], env: NodeJS.ProcessEnv): { code: number; stdout?: string; stderr?: string } {
  let values;
  try {
    values = parseArgs({ args, options: { cluster: { type: 'string' }, database: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean' } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    return { code: 2, stderr: `inferlens-collector schema: ${(err as Error).message}\n\n${SCHEMA_HELP}` };
  }
  if (values.help) return { code: 0, stdout: SCHEMA_HELP };
  let cluster: string;
  let database: string;
  try {
    const config = loadConfig({ file: values.config ?? env.INFERLENS_CONFIG, env });
    cluster = values.cluster ?? config.clickhouse.cluster;
    database = values.database ?? config.clickhouse.database;
  } catch (err) {
    return { code: 2, stderr: `inferlens-collector schema: ${(err as Error).message}\n` };
  }
  if (cluster !== '' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    return { code: 2, stderr: `inferlens-collector schema: on a cluster the database name must be a plain identifier (letters, digits, _), not ${JSON.stringify(database)}\n` };
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) return { code: 2, stderr: `inferlens-collector schema: --database: a plain identifier (letters, digits, _), not ${JSON.stringify(database)}\n` };
  const ddl = cluster !== '' ? new Ddl({ kind: 'cluster', cluster, database }) : database === 'default' ? Ddl.SINGLE : new Ddl({ kind: 'single', database });
  const header = `-- Inferlens schema, ${cluster !== '' ? `cluster ${cluster}, database ${database}` : database === 'default' ? 'one node, the connection\'s database' : `one node, database ${database}`}\n`;
  return { code: 0, stdout: header + schemaStatements(ddl).map((s) => `${s};\n`).join('\n') };
}
