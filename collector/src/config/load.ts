import { readFileSync } from 'node:fs';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { resolveAdminKey } from './auth.js';
import { checkClickHouseHttp } from './clickhouse-http.js';
import { checkDriftModels } from './drift.js';
import { configKeys, type ConfigKey } from './keys.js';
import { describe, dotted, firstProblem, valueAt, withoutNulls, type Fail } from './problems.js';
import { qualityModels } from './quality.js';
import { checkSegmentModels } from './segments.js';
import { CollectorConfigSchema, type CollectorConfig, type ConfigFile } from './schema.js';
import { parseSlos } from './slos.js';

/** Every key of the configuration, in schema order (the order of `--help` and the table of docs/configuration.md). */
export const OPTIONS: readonly ConfigKey[] = configKeys(CollectorConfigSchema);

/** Where {@link loadConfig} reads from. */
export interface LoadConfigInput {
  /** YAML file; its keys are the schema's. */
  file?: string | undefined;
  /** Environment; `INFERLENS_*` variables are read, an empty one counts as unset. */
  env?: NodeJS.ProcessEnv;
  /** Flag values by name without `--`, as `parseArgs` of `node:util` gives them. */
  flags?: Record<string, string | undefined>;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`config error: cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(`config error: ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config error: ${file}: expected a mapping of keys at the top level`);
  return withoutNulls(doc) as Record<string, unknown>;
}

/**
 * Environment values and flags are text, and YAML may quote a number: an integer is read from
 * digits only (not `1e6`, `0x10` or `1.5`), a number from decimal notation, a boolean from
 * `true` / `false`; a number where text is expected is taken as its text.
 */
function coerce(schema: TSchema, raw: unknown): unknown {
  const type = (schema as { type?: unknown }).type;
  if (typeof raw === 'number') return type === 'string' ? String(raw) : raw;
  if (typeof raw !== 'string') return raw;
  if (type === 'integer' && /^\s*\d+\s*$/.test(raw)) return Number(raw);
  if (type === 'number' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

function setAt(doc: unknown, segments: readonly string[], value: unknown): void {
  const parent = valueAt(doc, segments.slice(0, -1));
  if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) (parent as Record<string, unknown>)[segments.at(-1)!] = value;
}

/** Keys with `defaultFrom` that no source set take the other key's resolved value. */
function followDefaults(doc: unknown, set: ReadonlySet<string>): void {
  for (const key of OPTIONS) {
    if (key.defaultFrom && !set.has(key.path)) setAt(doc, key.segments, valueAt(doc, key.defaultFrom.split('.')));
  }
}

/**
 * Builds the configuration from, in increasing precedence: the schema's defaults, the YAML file,
 * `INFERLENS_*` environment variables, command-line flags. Every value is checked against the
 * schema where it comes from, so a bad file value is refused even when a variable hides it.
 * @throws ConfigError naming the key, where it came from, the value and what is expected.
 */
export function loadConfig(input: LoadConfigInput = {}): CollectorConfig {
  const source = input.file ?? 'file';
  const written = input.file ? readConfigFile(input.file) : {};
  const fail: Fail = (path, problem) => {
    const key = dotted(path);
    // A key that can come from several places names its source; a YAML-only key names the file first.
    const fromSeveral = OPTIONS.some((o) => o.env && o.path === key);
    throw new ConfigError(fromSeveral ? `config error: ${key} (from ${source}): ${problem}` : `config error: ${source}${key ? `: ${key}` : ''}: ${problem}`);
  };

  const doc = structuredClone(written);
  const set = new Set<string>();
  for (const key of OPTIONS) {
    const value = valueAt(doc, key.segments);
    if (value === undefined) continue;
    if (key.env) setAt(doc, key.segments, coerce(key.schema, value));
    set.add(key.path);
  }
  Value.Default(CollectorConfigSchema, doc);
  followDefaults(doc, set);
  const problem = firstProblem(CollectorConfigSchema, doc);
  if (problem?.kind === 'unknown') {
    const known = problem.known.join(', ');
    if (problem.path.some((s) => typeof s === 'number')) fail(problem.path, `unknown key "${problem.key}"; known keys: ${known}`);
    fail([], `unknown key "${dotted([...problem.path, problem.key])}"; known keys${problem.path.length ? ` under ${dotted(problem.path)}` : ''}: ${known}`);
  }
  if (problem) fail(problem.path, `expected ${problem.expected}, got ${JSON.stringify(valueAt(written, problem.path))}`);

  for (const key of OPTIONS) {
    const env = key.env ? input.env?.[key.env] : undefined;
    const flag = key.flag ? input.flags?.[key.flag] : undefined;
    for (const [from, raw] of [[key.env, env === '' ? undefined : env], [`--${key.flag}`, flag]] as const) {
      if (raw === undefined) continue;
      const value = coerce(key.schema, raw);
      const bad = firstProblem(key.schema, value);
      if (bad) throw new ConfigError(`config error: ${key.path} (from ${from}): expected ${bad.kind === 'unknown' ? describe(key.schema) : bad.expected}, got ${JSON.stringify(raw)}`);
      setAt(doc, key.segments, value);
      set.add(key.path);
    }
  }
  followDefaults(doc, set);

  // Rules the schema cannot state, and the lists read into what the jobs use.
  const checked = doc as ConfigFile;
  checkDriftModels(checked.drift.models, fail);
  checkSegmentModels(checked.segments.models, fail);
  resolveAdminKey(checked.auth);
  checkClickHouseHttp(checked.clickhouseHttp, checked.clickhouse.url, fail);
  if (checked.clickhouse.cluster !== '' && checked.clickhouse.url === '') fail(['clickhouse', 'cluster'], 'needs clickhouse.url (a node of the cluster); the embedded store is one process');
  if (checked.clickhouse.cluster !== '' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(checked.clickhouse.database)) fail(['clickhouse', 'database'], `on a cluster, a plain identifier (letters, digits, _), got ${JSON.stringify(checked.clickhouse.database)}`);
  return {
    ...checked,
    quality: { ...checked.quality, models: qualityModels(checked.quality.models, fail) },
    slos: parseSlos(checked.slos, fail),
  };
}

/** The configuration with nothing set: every key at its default. */
export const DEFAULT_CONFIG: CollectorConfig = loadConfig();
