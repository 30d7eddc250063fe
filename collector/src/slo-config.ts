import { ConfigError } from './errors.js';

/** A multiwindow burn-rate pair: both windows must burn faster than `factor` for it to fire. */
export interface BurnRateWindow {
  /** Long window, in seconds. */
  longSeconds: number;
  /** Short window, in seconds (confirms the long window's burn is still going on). */
  shortSeconds: number;
  /** Burn-rate threshold: 1 spends exactly the period's budget over the period. */
  factor: number;
}

/** One service-level objective of a model, from the `slos:` list of the YAML config. */
export interface SloConfig {
  /** Unique name; results and checkpoints are keyed by it. @default '<model>[/<version>][@<environment>]' */
  name: string;
  model: string;
  /** Only this version; when absent, each version of the model is measured on its own. */
  version?: string | undefined;
  /** Only predictions of this environment; when absent, every environment together. */
  environment?: string | undefined;
  /** The `percentile`-th latency percentile of successful predictions must stay at or under `thresholdMs`. */
  latency?: { percentile: number; thresholdMs: number } | undefined;
  /** Share of predictions with status `error` must stay at or under this (a fraction). */
  errorRate?: number | undefined;
  /** Share of non-error predictions must stay at or above `target` (a fraction) over a rolling `periodSeconds`. */
  availability?: { target: number; periodSeconds: number } | undefined;
  /** Multiwindow burn-rate pairs. @default the SRE Workbook's: 1h/5m at 14.4, 6h/30m at 6, 3d/6h at 1 */
  burnRates: BurnRateWindow[];
}

/** The SRE Workbook's multiwindow, multi-burn-rate pairs (chapter 5, "Alerting on SLOs"). */
export const DEFAULT_BURN_RATES: readonly BurnRateWindow[] = [
  { longSeconds: 3600, shortSeconds: 300, factor: 14.4 },
  { longSeconds: 6 * 3600, shortSeconds: 1800, factor: 6 },
  { longSeconds: 3 * 86_400, shortSeconds: 6 * 3600, factor: 1 },
];

const SLO_KEYS = ['name', 'model', 'version', 'environment', 'latency', 'errorRate', 'availability', 'burnRates'];
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

function fail(where: string, expected: string, got: unknown): never {
  throw new ConfigError(`config error: ${where}: expected ${expected}, got ${JSON.stringify(got)}`);
}

function mapping(where: string, value: unknown, keys: string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, `a mapping with keys ${keys.join(', ')}`, value);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new ConfigError(`config error: ${where}: unknown key "${key}"; known keys: ${keys.join(', ')}`);
  }
  return value as Record<string, unknown>;
}

function text(where: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) fail(where, 'a non-empty string of at most 256 characters', value);
  return value;
}

/** `30d`, `6h`, `5m`, `90s`, `1w` or a number of seconds. */
export function parseDuration(where: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const m = typeof value === 'string' ? /^\s*(\d+)\s*([smhdw])\s*$/.exec(value) : null;
  if (!m || Number(m[1]) === 0) fail(where, 'a duration such as 5m, 6h, 30d (units s, m, h, d, w) or a positive number of seconds', value);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** `"99.9%"` or a fraction strictly between 0 and 1 such as `0.999`. */
export function parseFraction(where: string, value: unknown): number {
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
  // "99.9e-2" parses to the double nearest 0.999; 99.9 / 100 would not.
  const x = m ? Number(`${m[1]}e-2`) : typeof value === 'number' ? value : NaN;
  if (!(x > 0 && x < 1)) fail(where, 'a percentage such as "99.9%" or a fraction strictly between 0 and 1 such as 0.999', value);
  return x;
}

function positive(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(where, 'a positive number', value);
  return value;
}

function parseSlo(where: string, value: unknown): SloConfig {
  const v = mapping(where, value, SLO_KEYS);
  const model = text(`${where}.model`, v.model);
  const version = v.version === undefined ? undefined : text(`${where}.version`, v.version);
  const environment = v.environment === undefined ? undefined : text(`${where}.environment`, v.environment);
  let latency: SloConfig['latency'];
  if (v.latency !== undefined) {
    const l = mapping(`${where}.latency`, v.latency, ['percentile', 'thresholdMs']);
    const p = l.percentile;
    if (typeof p !== 'number' || !(p > 0 && p < 100)) fail(`${where}.latency.percentile`, 'a number strictly between 0 and 100 such as 99 or 99.9', p);
    latency = { percentile: p, thresholdMs: positive(`${where}.latency.thresholdMs`, l.thresholdMs) };
  }
  const errorRate = v.errorRate === undefined ? undefined : parseFraction(`${where}.errorRate`, v.errorRate);
  let availability: SloConfig['availability'];
  if (v.availability !== undefined) {
    const a = mapping(`${where}.availability`, v.availability, ['target', 'period']);
    availability = {
      target: parseFraction(`${where}.availability.target`, a.target),
      periodSeconds: a.period === undefined ? 30 * 86_400 : parseDuration(`${where}.availability.period`, a.period),
    };
  }
  if (!latency && errorRate === undefined && !availability) fail(where, 'at least one objective: latency, errorRate or availability', value);
  let burnRates = DEFAULT_BURN_RATES.map((b) => ({ ...b }));
  if (v.burnRates !== undefined) {
    if (!Array.isArray(v.burnRates) || v.burnRates.length === 0) fail(`${where}.burnRates`, 'a non-empty list of { long, short, factor }', v.burnRates);
    burnRates = v.burnRates.map((b, i) => {
      const w = `${where}.burnRates[${i}]`;
      const m = mapping(w, b, ['long', 'short', 'factor']);
      const longSeconds = parseDuration(`${w}.long`, m.long);
      const shortSeconds = parseDuration(`${w}.short`, m.short);
      if (shortSeconds >= longSeconds) fail(`${w}.short`, `a window shorter than long (${longSeconds} s)`, m.short);
      return { longSeconds, shortSeconds, factor: positive(`${w}.factor`, m.factor) };
    });
  }
  const name = v.name === undefined ? `${model}${version ? `/${version}` : ''}${environment ? `@${environment}` : ''}` : text(`${where}.name`, v.name);
  return { name, model, version, environment, latency, errorRate, availability, burnRates };
}

/**
 * Validates the `slos:` list of the YAML config.
 * @throws ConfigError naming the key (`slos[2].latency.percentile`), the value and what is expected.
 */
export function parseSlos(file: string, value: unknown): SloConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`${file}: slos`, 'a list of objectives', value);
  const slos = value.map((s, i) => parseSlo(`${file}: slos[${i}]`, s));
  const seen = new Set<string>();
  for (const [i, s] of slos.entries()) {
    if (seen.has(s.name)) fail(`${file}: slos[${i}].name`, 'a name no other SLO has (set name: to tell two SLOs of a model apart)', s.name);
    seen.add(s.name);
  }
  return slos;
}
