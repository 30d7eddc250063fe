import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';
import { DEFAULT_BATCH_OPTIONS, type BatchOptions } from './store/InsertBatcher.js';
import { parseSlos, type SloConfig } from './slo-config.js';
import { parseQualityModels, type QualityJobConfig } from './quality-config.js';
import { parseDriftModels, type DriftModelConfig } from './drift-config.js';

/** Limits applied to every ingestion request. */
export interface IngestLimits {
  /** Largest request body as received (compressed when gzip). @default 16777216 (16 MiB) */
  maxBodyBytes: number;
  /** Largest body after gzip decompression; a bigger one is refused without inflating further. @default 67108864 (64 MiB) */
  maxDecompressedBytes: number;
  /** Most records (spans, log records, predictions, feedback) in one request. @default 100000 */
  maxRecordsPerRequest: number;
  /**
   * Oldest event time accepted, in seconds before the collector's clock; an older record is
   * rejected alone (each day of event time is a partition of its own). @default 31622400 (366 days)
   */
  maxEventAgeSeconds: number;
  /** Latest event time accepted, in seconds after the collector's clock (allows for clock skew). @default 3600 */
  maxEventAheadSeconds: number;
}

/** Settings of the streaming drift job. */
export interface DriftJobConfig {
  /** Event-time window length in seconds (60 to 86400). @default 3600 */
  windowSeconds: number;
  /** How far behind the newest event time a window is still open for late data, in seconds. @default 300 */
  allowedLatenessSeconds: number;
  /** How often the job looks for windows to close, in milliseconds. @default 10000 */
  intervalMs: number;
  /**
   * A window also closes once the wall clock passes its end by the allowed lateness plus this
   * many seconds, so the last window of a model version that goes quiet is analysed too. @default 300
   */
  idleTimeoutSeconds: number;
  /** Per-model methods and thresholds (YAML file only: `drift.models`). @default [] */
  models: DriftModelConfig[];
}

/** Settings of the SLA job; each one left unset (0) takes the drift job's value. */
export interface SlaJobConfig {
  /** Event-time window length in seconds (60 to 86400). @default drift.windowSeconds */
  windowSeconds: number;
  /** How long a window waits for late events, in seconds. @default drift.allowedLatenessSeconds */
  allowedLatenessSeconds: number;
  /** How often the job closes ready windows, in milliseconds. @default drift.intervalMs */
  intervalMs: number;
  /** Wall-clock wait (beyond the allowed lateness) after which a quiet stream's window closes, in seconds. @default drift.idleTimeoutSeconds */
  idleTimeoutSeconds: number;
}

/** Alerting: the rules file and evaluation settings. */
export interface AlertsConfig {
  /** YAML rules file (rules and receivers); empty: no alerting. Reloaded on SIGHUP and `POST /api/v1/rules/reload`. @default '' */
  rulesFile: string;
  /** How often traffic rules (`source: traffic`) are evaluated, in milliseconds. @default 15000 */
  evaluationIntervalMs: number;
  /** How often firing alerts are re-sent to Alertmanager receivers, in milliseconds; `endsAt` is 4 times this ahead. @default 60000 */
  resendDelayMs: number;
  /** The collector's URL as users reach it, for `generatorURL` and the webhook's `externalURL`. @default 'http://<host>:<port>' */
  externalUrl: string;
}

/** The collector's whole configuration. Every key can come from the YAML file, an `INFERLENS_*` variable or a flag. */
export interface CollectorConfig {
  /** Interface to listen on. @default '127.0.0.1' */
  host: string;
  /** TCP port (4318 is OTLP/HTTP's registered port; 0 picks a free one). @default 4318 */
  port: number;
  /** Embedded store data directory (ignored when `clickhouse.url` is set). @default './.inferlens/data' */
  dataDir: string;
  /** ClickHouse server; when `url` is empty the embedded chDB store is used. */
  clickhouse: { url: string; username: string; password: string; database: string };
  limits: IngestLimits;
  batch: BatchOptions;
  /** The streaming drift job. */
  drift: DriftJobConfig;
  /** The SLA job. */
  sla: SlaJobConfig;
  /** Service-level objectives (YAML file only: `slos:`). @default [] */
  slos: SloConfig[];
  /** The model quality job (predictions joined with feedback). */
  quality: QualityJobConfig;
  /** Alerting. */
  alerts: AlertsConfig;
  /** pino level: fatal, error, warn, info, debug, trace or silent. @default 'info' */
  logLevel: string;
}

/** Defaults of {@link CollectorConfig}. */
export const DEFAULT_CONFIG: CollectorConfig = {
  host: '127.0.0.1',
  port: 4318,
  dataDir: './.inferlens/data',
  clickhouse: { url: '', username: 'default', password: '', database: 'default' },
  limits: {
    maxBodyBytes: 16 * 1024 * 1024,
    maxDecompressedBytes: 64 * 1024 * 1024,
    maxRecordsPerRequest: 100_000,
    maxEventAgeSeconds: 366 * 86_400,
    maxEventAheadSeconds: 3600,
  },
  batch: { ...DEFAULT_BATCH_OPTIONS },
  drift: { windowSeconds: 3600, allowedLatenessSeconds: 300, intervalMs: 10_000, idleTimeoutSeconds: 300, models: [] },
  sla: { windowSeconds: 0, allowedLatenessSeconds: 0, intervalMs: 0, idleTimeoutSeconds: 0 },
  slos: [],
  quality: { windowSeconds: 0, allowedLatenessSeconds: 0, intervalMs: 0, idleTimeoutSeconds: 0, models: [] },
  alerts: { rulesFile: '', evaluationIntervalMs: 15_000, resendDelayMs: 60_000, externalUrl: '' },
  logLevel: 'info',
};

type Kind = 'string' | 'port' | 'int' | 'level';

/** One configuration key: its path in the YAML file, its flag, its environment variable. */
export interface OptionSpec {
  path: string;
  flag?: string;
  env: string;
  kind: Kind;
  help: string;
}

/** Every option, in the order `--help` lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  { path: 'host', flag: 'host', env: 'INFERLENS_HOST', kind: 'string', help: 'interface to listen on' },
  { path: 'port', flag: 'port', env: 'INFERLENS_PORT', kind: 'port', help: 'port to listen on (0: any free port)' },
  { path: 'dataDir', flag: 'data-dir', env: 'INFERLENS_DATA_DIR', kind: 'string', help: 'embedded store data directory' },
  { path: 'clickhouse.url', flag: 'clickhouse-url', env: 'INFERLENS_CLICKHOUSE_URL', kind: 'string', help: 'ClickHouse server URL; empty: embedded chDB' },
  { path: 'clickhouse.username', env: 'INFERLENS_CLICKHOUSE_USERNAME', kind: 'string', help: 'ClickHouse user' },
  { path: 'clickhouse.password', env: 'INFERLENS_CLICKHOUSE_PASSWORD', kind: 'string', help: 'ClickHouse password' },
  { path: 'clickhouse.database', env: 'INFERLENS_CLICKHOUSE_DATABASE', kind: 'string', help: 'ClickHouse database (server mode)' },
  { path: 'limits.maxBodyBytes', env: 'INFERLENS_MAX_BODY_BYTES', kind: 'int', help: 'largest request body as received' },
  { path: 'limits.maxDecompressedBytes', env: 'INFERLENS_MAX_DECOMPRESSED_BYTES', kind: 'int', help: 'largest body after gzip decompression' },
  { path: 'limits.maxRecordsPerRequest', env: 'INFERLENS_MAX_RECORDS_PER_REQUEST', kind: 'int', help: 'most records in one request' },
  { path: 'limits.maxEventAgeSeconds', env: 'INFERLENS_MAX_EVENT_AGE_SECONDS', kind: 'int', help: 'oldest event time accepted, seconds before now (older records are rejected)' },
  { path: 'limits.maxEventAheadSeconds', env: 'INFERLENS_MAX_EVENT_AHEAD_SECONDS', kind: 'int', help: 'latest event time accepted, seconds after now (later records are rejected)' },
  { path: 'batch.maxRows', env: 'INFERLENS_BATCH_MAX_ROWS', kind: 'int', help: 'rows per insert batch' },
  { path: 'batch.maxBytes', env: 'INFERLENS_BATCH_MAX_BYTES', kind: 'int', help: 'bytes per insert batch' },
  { path: 'batch.maxDelayMs', env: 'INFERLENS_BATCH_MAX_DELAY_MS', kind: 'int', help: 'longest wait before a batch is sent' },
  { path: 'batch.maxConcurrentInserts', env: 'INFERLENS_BATCH_MAX_CONCURRENT_INSERTS', kind: 'int', help: 'inserts running at once per table' },
  { path: 'batch.maxPendingRows', env: 'INFERLENS_BATCH_MAX_PENDING_ROWS', kind: 'int', help: 'rows waiting above which requests get 503' },
  { path: 'drift.windowSeconds', env: 'INFERLENS_DRIFT_WINDOW_SECONDS', kind: 'int', help: 'drift window length in seconds (event time)' },
  { path: 'drift.allowedLatenessSeconds', env: 'INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS', kind: 'int', help: 'late data accepted into a window, in seconds' },
  { path: 'drift.intervalMs', env: 'INFERLENS_DRIFT_INTERVAL_MS', kind: 'int', help: 'how often the drift job closes windows' },
  { path: 'drift.idleTimeoutSeconds', env: 'INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS', kind: 'int', help: 'wall-clock seconds past a window\'s end + lateness after which it closes without newer events' },
  { path: 'sla.windowSeconds', env: 'INFERLENS_SLA_WINDOW_SECONDS', kind: 'int', help: 'SLA window length in seconds (default: drift.windowSeconds)' },
  { path: 'sla.allowedLatenessSeconds', env: 'INFERLENS_SLA_ALLOWED_LATENESS_SECONDS', kind: 'int', help: 'late data accepted into an SLA window (default: drift.allowedLatenessSeconds)' },
  { path: 'sla.intervalMs', env: 'INFERLENS_SLA_INTERVAL_MS', kind: 'int', help: 'how often the SLA job closes windows (default: drift.intervalMs)' },
  { path: 'sla.idleTimeoutSeconds', env: 'INFERLENS_SLA_IDLE_TIMEOUT_SECONDS', kind: 'int', help: 'idle timeout of SLA windows (default: drift.idleTimeoutSeconds)' },
  { path: 'quality.windowSeconds', env: 'INFERLENS_QUALITY_WINDOW_SECONDS', kind: 'int', help: 'quality window length in seconds (default: drift.windowSeconds)' },
  { path: 'quality.allowedLatenessSeconds', env: 'INFERLENS_QUALITY_ALLOWED_LATENESS_SECONDS', kind: 'int', help: 'late predictions accepted into a quality window (default: drift.allowedLatenessSeconds)' },
  { path: 'quality.intervalMs', env: 'INFERLENS_QUALITY_INTERVAL_MS', kind: 'int', help: 'how often the quality job runs (default: drift.intervalMs)' },
  { path: 'quality.idleTimeoutSeconds', env: 'INFERLENS_QUALITY_IDLE_TIMEOUT_SECONDS', kind: 'int', help: 'idle timeout of quality windows (default: drift.idleTimeoutSeconds)' },
  { path: 'alerts.rulesFile', flag: 'alert-rules', env: 'INFERLENS_ALERTS_RULES_FILE', kind: 'string', help: 'alert rules and receivers (YAML); empty: no alerting' },
  { path: 'alerts.evaluationIntervalMs', env: 'INFERLENS_ALERTS_EVALUATION_INTERVAL_MS', kind: 'int', help: 'how often traffic alert rules are evaluated' },
  { path: 'alerts.resendDelayMs', env: 'INFERLENS_ALERTS_RESEND_DELAY_MS', kind: 'int', help: 'how often firing alerts are re-sent to Alertmanager' },
  { path: 'alerts.externalUrl', env: 'INFERLENS_ALERTS_EXTERNAL_URL', kind: 'string', help: 'collector URL used in generatorURL (default: http://host:port)' },
  { path: 'logLevel', flag: 'log-level', env: 'INFERLENS_LOG_LEVEL', kind: 'level', help: 'log level' },
];

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) cur = cur[part] as Record<string, unknown>;
  cur[parts[parts.length - 1]!] = value;
}

function coerce(spec: OptionSpec, raw: unknown, source: string): unknown {
  const where = `${spec.path} (from ${source})`;
  switch (spec.kind) {
    case 'string':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number') return String(raw);
      throw new ConfigError(`config error: ${where}: expected a string, got ${JSON.stringify(raw)}`);
    case 'level':
      if (typeof raw === 'string' && LEVELS.includes(raw)) return raw;
      throw new ConfigError(`config error: ${where}: expected one of ${LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
    case 'port':
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      const max = spec.kind === 'port' ? 65535 : Number.MAX_SAFE_INTEGER;
      const min = spec.kind === 'port' ? 0 : 1;
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new ConfigError(`config error: ${where}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      }
      return n;
    }
  }
}

/** Keys of the YAML file that hold lists and are validated by their own parser. */
const LIST_KEYS = ['slos', 'quality.models', 'drift.models'];
const KNOWN_PATHS = [...OPTIONS.map((o) => o.path), ...LIST_KEYS];

/** Refuses keys the file may not hold at any level, so a misspelt nested key is not silently ignored. */
function checkFileKeys(file: string, values: Record<string, unknown>, prefix: string): void {
  const known = [...new Set(KNOWN_PATHS.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split('.')[0]!))];
  for (const key of Object.keys(values)) {
    const path = prefix + key;
    if (!known.includes(key)) {
      throw new ConfigError(`config error: ${file}: unknown key "${path}"; known keys${prefix ? ` under ${prefix.slice(0, -1)}` : ''}: ${known.join(', ')}`);
    }
    if (KNOWN_PATHS.includes(path)) continue;
    const value = values[key];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError(`config error: ${file}: ${path}: expected a mapping of keys, got ${JSON.stringify(value)}`);
    }
    checkFileKeys(file, value as Record<string, unknown>, path + '.');
  }
}

/**
 * Builds the configuration from, in increasing precedence: defaults, the YAML
 * file, `INFERLENS_*` environment variables, command-line flags.
 * @throws ConfigError naming the key, the value and what is expected.
 */
export function loadConfig(input: { file?: string | undefined; env?: NodeJS.ProcessEnv; flags?: Record<string, string | undefined> }): CollectorConfig {
  const config = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, unknown>;
  let fileValues: unknown = {};
  if (input.file) {
    let text: string;
    try {
      text = readFileSync(input.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`config error: cannot read config file ${input.file}: ${(err as Error).message}`);
    }
    try {
      fileValues = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError(`config error: ${input.file} is not valid YAML: ${(err as Error).message}`);
    }
    if (typeof fileValues !== 'object' || Array.isArray(fileValues)) {
      throw new ConfigError(`config error: ${input.file}: expected a mapping of keys at the top level`);
    }
    checkFileKeys(input.file, fileValues as Record<string, unknown>, '');
  }
  for (const spec of OPTIONS) {
    const fromFile = getPath(fileValues, spec.path);
    if (fromFile !== undefined && fromFile !== null) setPath(config, spec.path, coerce(spec, fromFile, input.file ?? 'file'));
    const fromEnv = input.env?.[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') setPath(config, spec.path, coerce(spec, fromEnv, spec.env));
    const fromFlag = spec.flag ? input.flags?.[spec.flag] : undefined;
    if (fromFlag !== undefined) setPath(config, spec.path, coerce(spec, fromFlag, `--${spec.flag}`));
  }
  const result = config as unknown as CollectorConfig;
  result.slos = parseSlos(input.file ?? 'file', getPath(fileValues, 'slos'));
  result.sla.windowSeconds ||= result.drift.windowSeconds;
  result.sla.allowedLatenessSeconds ||= result.drift.allowedLatenessSeconds;
  result.sla.intervalMs ||= result.drift.intervalMs;
  result.sla.idleTimeoutSeconds ||= result.drift.idleTimeoutSeconds;
  result.quality.models = parseQualityModels(input.file ?? 'file', getPath(fileValues, 'quality.models'));
  result.drift.models = parseDriftModels(input.file ?? 'file', getPath(fileValues, 'drift.models'));
  result.quality.windowSeconds ||= result.drift.windowSeconds;
  result.quality.allowedLatenessSeconds ||= result.drift.allowedLatenessSeconds;
  result.quality.intervalMs ||= result.drift.intervalMs;
  result.quality.idleTimeoutSeconds ||= result.drift.idleTimeoutSeconds;
  if (result.quality.windowSeconds < 60 || result.quality.windowSeconds > 86_400) {
    throw new ConfigError(`config error: quality.windowSeconds: expected 60 (one minute) to 86400 (one day), got ${result.quality.windowSeconds}`);
  }
  if (result.sla.windowSeconds < 60 || result.sla.windowSeconds > 86_400) {
    throw new ConfigError(`config error: sla.windowSeconds: expected 60 (one minute) to 86400 (one day), got ${result.sla.windowSeconds}`);
  }
  if (result.drift.windowSeconds < 60 || result.drift.windowSeconds > 86_400) {
    throw new ConfigError(`config error: drift.windowSeconds: expected 60 (one minute) to 86400 (one day), got ${result.drift.windowSeconds}`);
  }
  if (result.clickhouse.url) {
    let protocol = '';
    try {
      protocol = new URL(result.clickhouse.url).protocol;
    } catch {
      // not a URL at all: refused below
    }
    // `localhost:8123` parses as a URL whose scheme is "localhost:"; only http(s) reaches ClickHouse.
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new ConfigError(`config error: clickhouse.url: expected an http(s) URL such as http://127.0.0.1:8123, got ${JSON.stringify(result.clickhouse.url)}`);
    }
  }
  return result;
}
