import { METHODS_BY_KIND, type DriftMethod } from '@inferlens/stats';
import { ConfigError } from './errors.js';

/** Method and threshold for one column. */
export interface ColumnDriftSettings {
  /** Method that decides `drifted` for this column; must suit the column's kind. */
  method?: DriftMethod;
  /** Threshold of that method (a p-value for `ks` / `chi-square`, a distance otherwise). */
  threshold?: number;
}

/**
 * Drift settings of one model (optionally one version), from `drift.models` in the YAML file.
 * Everything left out keeps the defaults of `@inferlens/stats`.
 */
export interface DriftModelConfig {
  model: string;
  /** Only this version; a version-specific entry wins over a model-wide one. @default all versions */
  version?: string;
  /** Method for every numeric column. @default 'auto' (KS up to 1,000 reference rows, normalised Wasserstein above) */
  numericMethod?: DriftMethod;
  /** Method for every categorical column. @default 'auto' (chi-square up to 1,000 reference rows, Jensen–Shannon above) */
  categoricalMethod?: DriftMethod;
  /** Per-method thresholds. @default DEFAULT_THRESHOLDS of `@inferlens/stats` */
  thresholds?: Partial<Record<DriftMethod, number>>;
  /** Share of drifted input features at which the data set counts as drifted. @default 0.5 */
  driftShare?: number;
  /** Per input feature. */
  features?: Record<string, ColumnDriftSettings>;
  /** Per output. */
  outputs?: Record<string, ColumnDriftSettings>;
}

const ALL_METHODS = [...new Set([...METHODS_BY_KIND.numerical, ...METHODS_BY_KIND.categorical])];
const KEYS = ['model', 'version', 'numericMethod', 'categoricalMethod', 'thresholds', 'driftShare', 'features', 'outputs'];

function method(at: string, v: unknown, allowed: readonly string[]): DriftMethod {
  if (typeof v !== 'string' || !allowed.includes(v)) throw new ConfigError(`config error: ${at}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as DriftMethod;
}

function positive(at: string, v: unknown, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) {
    throw new ConfigError(`config error: ${at}: expected a number above 0${max < Infinity ? ` and at most ${max}` : ''}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function mapping(at: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`config error: ${at}: expected a mapping, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

function columns(at: string, v: unknown): Record<string, ColumnDriftSettings> {
  const out: Record<string, ColumnDriftSettings> = {};
  for (const [name, raw] of Object.entries(mapping(at, v))) {
    const e = mapping(`${at}.${name}`, raw);
    for (const key of Object.keys(e)) {
      if (key !== 'method' && key !== 'threshold') throw new ConfigError(`config error: ${at}.${name}: unknown key "${key}"; known keys: method, threshold`);
    }
    const s: ColumnDriftSettings = {};
    if (e.method !== undefined) s.method = method(`${at}.${name}.method`, e.method, ALL_METHODS);
    if (e.threshold !== undefined) s.threshold = positive(`${at}.${name}.threshold`, e.threshold);
    out[name] = s;
  }
  return out;
}

/**
 * Validates `drift.models` of the YAML config.
 * @throws ConfigError naming the key (`drift.models[0].features.age.method`), the value and what is expected.
 */
export function parseDriftModels(file: string, value: unknown): DriftModelConfig[] {
  if (value === undefined || value === null) return [];
  const where = `${file}: drift.models`;
  if (!Array.isArray(value)) throw new ConfigError(`config error: ${where}: expected a list of { model, version, numericMethod, ... }, got ${JSON.stringify(value)}`);
  const seen = new Set<string>();
  return value.map((raw, i) => {
    const at = `${where}[${i}]`;
    const e = mapping(at, raw);
    for (const key of Object.keys(e)) if (!KEYS.includes(key)) throw new ConfigError(`config error: ${at}: unknown key "${key}"; known keys: ${KEYS.join(', ')}`);
    if (typeof e.model !== 'string' || e.model.length === 0) throw new ConfigError(`config error: ${at}.model: expected a model name, got ${JSON.stringify(e.model)}`);
    const c: DriftModelConfig = { model: e.model };
    if (e.version !== undefined) {
      if (typeof e.version !== 'string') throw new ConfigError(`config error: ${at}.version: expected a string, got ${JSON.stringify(e.version)}`);
      c.version = e.version;
    }
    const key = `${c.model}\u0000${c.version ?? '*'}`;
    if (seen.has(key)) throw new ConfigError(`config error: ${at}: model ${JSON.stringify(c.model)}${c.version === undefined ? '' : ` version ${JSON.stringify(c.version)}`} is listed twice`);
    seen.add(key);
    if (e.numericMethod !== undefined) c.numericMethod = method(`${at}.numericMethod`, e.numericMethod, METHODS_BY_KIND.numerical);
    if (e.categoricalMethod !== undefined) c.categoricalMethod = method(`${at}.categoricalMethod`, e.categoricalMethod, METHODS_BY_KIND.categorical);
    if (e.thresholds !== undefined) {
      c.thresholds = {};
      for (const [m, t] of Object.entries(mapping(`${at}.thresholds`, e.thresholds))) {
        c.thresholds[method(`${at}.thresholds key`, m, ALL_METHODS)] = positive(`${at}.thresholds.${m}`, t);
      }
    }
    if (e.driftShare !== undefined) c.driftShare = positive(`${at}.driftShare`, e.driftShare, 1);
    if (e.features !== undefined) c.features = columns(`${at}.features`, e.features);
    if (e.outputs !== undefined) c.outputs = columns(`${at}.outputs`, e.outputs);
    return c;
  });
}

/** The entry for a model version: its own, else the model-wide one, else none. */
export function driftSettingsFor(models: readonly DriftModelConfig[], model: string, version: string): DriftModelConfig | undefined {
  return models.find((m) => m.model === model && m.version === version) ?? models.find((m) => m.model === model && m.version === undefined);
}
