import Type, { type Static } from 'typebox';
import type { Fail } from './problems.js';
import { Entry, FileList, Name, refine } from './setting.js';

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

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `30d`, `6h`, `5m`, `90s`, `1w` or a positive whole number of seconds, in seconds; undefined for anything else. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const m = typeof value === 'string' ? /^\s*(\d+)\s*([smhdw])\s*$/.exec(value) : null;
  return m && Number(m[1]) > 0 ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

/** `"99.9%"` or a fraction strictly between 0 and 1 such as `0.999`; undefined for anything else. */
export function fraction(value: unknown): number | undefined {
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
  // "99.9e-2" parses to the double nearest 0.999; 99.9 / 100 would not.
  const x = m ? Number(`${m[1]}e-2`) : typeof value === 'number' ? value : NaN;
  return x > 0 && x < 1 ? x : undefined;
}

const Duration = refine(
  Type.Union([Type.String(), Type.Number()], { expected: 'a duration such as 5m, 6h, 30d (units s, m, h, d, w) or a positive number of seconds' }),
  (v) => durationSeconds(v) !== undefined,
);
const Fraction = refine(
  Type.Union([Type.String(), Type.Number()], { expected: 'a percentage such as "99.9%" or a fraction strictly between 0 and 1 such as 0.999' }),
  (v) => fraction(v) !== undefined,
);
const Positive = Type.Number({ exclusiveMinimum: 0, expected: 'a positive number' });

/** One entry of `slos:`, as written in the file. */
const Slo = Entry({
  name: Type.Optional(Name),
  model: Name,
  version: Type.Optional(Name),
  environment: Type.Optional(Name),
  latency: Type.Optional(Entry({ percentile: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 100, examples: [99, 99.9] }), thresholdMs: Positive })),
  errorRate: Type.Optional(Fraction),
  availability: Type.Optional(Entry({ target: Fraction, period: Type.Optional(Duration) })),
  burnRates: Type.Optional(Type.Array(Entry({ long: Duration, short: Duration, factor: Positive }), { minItems: 1 })),
});

/** `slos:`: service-level objectives, YAML file only. */
export const SlosList = FileList(Slo, 'service-level objectives (YAML file only); see [SLOs and SLA](sla.md)', 'a list of objectives');

/**
 * `slos:` as the SLA job uses them: checks what the schema cannot (an objective at least, short
 * windows shorter than long ones, unique names) and reads percentages and durations.
 */
export function parseSlos(entries: ReadonlyArray<Static<typeof Slo>>, fail: Fail): SloConfig[] {
  const slos = entries.map((e, i): SloConfig => {
    if (!e.latency && e.errorRate === undefined && !e.availability) {
      fail(['slos', i], `expected at least one objective: latency, errorRate or availability, got ${JSON.stringify(e)}`);
    }
    const burnRates = (e.burnRates ?? []).map((b, j) => {
      const longSeconds = durationSeconds(b.long)!;
      const shortSeconds = durationSeconds(b.short)!;
      if (shortSeconds >= longSeconds) fail(['slos', i, 'burnRates', j, 'short'], `expected a window shorter than long (${longSeconds} s), got ${JSON.stringify(b.short)}`);
      return { longSeconds, shortSeconds, factor: b.factor };
    });
    return {
      name: e.name ?? `${e.model}${e.version ? `/${e.version}` : ''}${e.environment ? `@${e.environment}` : ''}`,
      model: e.model,
      version: e.version,
      environment: e.environment,
      latency: e.latency && { ...e.latency },
      errorRate: e.errorRate === undefined ? undefined : fraction(e.errorRate),
      availability: e.availability && { target: fraction(e.availability.target)!, periodSeconds: e.availability.period === undefined ? 30 * 86_400 : durationSeconds(e.availability.period)! },
      burnRates: burnRates.length > 0 ? burnRates : DEFAULT_BURN_RATES.map((b) => ({ ...b })),
    };
  });
  const seen = new Set<string>();
  for (const [i, s] of slos.entries()) {
    if (seen.has(s.name)) fail(['slos', i, 'name'], `expected a name no other SLO has (set name: to tell two SLOs of a model apart), got ${JSON.stringify(s.name)}`);
    seen.add(s.name);
  }
  return slos;
}
