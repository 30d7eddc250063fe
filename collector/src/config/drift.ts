import Type, { type Static, type TNumber, type TOptional } from 'typebox';
import { METHODS_BY_KIND, type DriftMethod } from '@inferlens/stats';
import type { Fail } from './problems.js';
import { Count, Entry, FileList, Name, Section } from './setting.js';

const ALL_METHODS = [...new Set([...METHODS_BY_KIND.numerical, ...METHODS_BY_KIND.categorical])];
const AboveZero = Type.Number({ exclusiveMinimum: 0 });

/** Method and threshold of one column (`features.amount`, `outputs.score`). */
const ColumnSettings = Entry({
  /** Method that decides `drifted` for this column; one that does not suit the column's kind is ignored. */
  method: Type.Optional(Type.Enum(ALL_METHODS)),
  /** Threshold of that method (a p-value for `ks` / `chi-square`, a distance otherwise). */
  threshold: Type.Optional(AboveZero),
});

/**
 * Multivariate drift of a model's input features: NannyML's data reconstruction with PCA (see
 * docs/multivariate-drift.md). On by default for a reference with at least two input features.
 */
const Multivariate = Entry({
  /** Absent: on. */
  enabled: Type.Optional(Type.Boolean()),
  /** Share of the standardised reference's variance the kept components explain. Absent: 0.65. */
  varianceShare: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  /** Reference chunks the bounds come from. Absent: 10. */
  chunks: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000 })),
  /** Bounds at the chunks' mean ± this many standard deviations. Absent: 3. */
  multiplier: Type.Optional(AboveZero),
  /** Input features to use, at least two. Absent: every numeric and categorical input feature of the reference (at most 100, by name). */
  features: Type.Optional(Type.Array(Name, { minItems: 2, maxItems: 1000 })),
});

/**
 * One entry of `drift.models`: methods and thresholds of a model (optionally one version).
 * Everything left out keeps the defaults of `@inferlens/stats`.
 */
const DriftModel = Entry({
  model: Name,
  /** Only this version; a version-specific entry wins over a model-wide one. Absent: every version. */
  version: Type.Optional(Type.String()),
  /** Method for every numeric column. Absent: KS up to 1,000 reference rows, normalised Wasserstein above. */
  numericMethod: Type.Optional(Type.Enum(METHODS_BY_KIND.numerical)),
  /** Method for every categorical column. Absent: chi-square up to 1,000 reference rows, Jensen–Shannon above. */
  categoricalMethod: Type.Optional(Type.Enum(METHODS_BY_KIND.categorical)),
  /** Per-method thresholds. Absent: `DEFAULT_THRESHOLDS` of `@inferlens/stats`. */
  thresholds: Type.Optional(Entry(Object.fromEntries(ALL_METHODS.map((m) => [m, Type.Optional(AboveZero)])) as Record<DriftMethod, TOptional<TNumber>>)),
  /** Share of drifted input features at which the data set counts as drifted. Absent: 0.5. */
  driftShare: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  /** Per input feature. */
  features: Type.Optional(Type.Record(Type.String(), ColumnSettings)),
  /** Per output. */
  outputs: Type.Optional(Type.Record(Type.String(), ColumnSettings)),
  /** Multivariate drift (PCA data reconstruction). Absent: on, with NannyML's defaults. */
  multivariate: Type.Optional(Multivariate),
});

/** `drift:`: the streaming drift job. */
export const DriftSection = Section(
  {
    windowSeconds: Count({ env: 'INFERLENS_DRIFT_WINDOW_SECONDS', minimum: 60, maximum: 86_400, default: 3600, description: 'drift window length in seconds (event time)' }),
    allowedLatenessSeconds: Count({ env: 'INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS', default: 300, description: 'how long a window waits for late events, in seconds' }),
    intervalMs: Count({ env: 'INFERLENS_DRIFT_INTERVAL_MS', default: 10_000, description: 'how often the drift job closes ready windows, in milliseconds' }),
    idleTimeoutSeconds: Count({
      env: 'INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS',
      default: 300,
      description: 'a window also closes once the wall clock passes its end + allowed lateness + this many seconds (a model version that goes quiet still gets its last window)',
    }),
    models: FileList(DriftModel, 'per-model methods and thresholds (YAML file only); see [Reference profiles and drift](drift.md)'),
  },
  'the streaming drift job',
);

/** Settings of the streaming drift job. */
export type DriftJobConfig = Static<typeof DriftSection>;
/** Drift settings of one model (optionally one version), from `drift.models`. */
export type DriftModelConfig = Static<typeof DriftModel>;
/** Multivariate drift settings of a model. */
export type MultivariateConfig = Static<typeof Multivariate>;
/** Method and threshold for one column. */
export type ColumnDriftSettings = Static<typeof ColumnSettings>;

/** Refuses a model (and version) listed twice in `drift.models`. */
export function checkDriftModels(models: readonly DriftModelConfig[], fail: Fail): void {
  const seen = new Set<string>();
  for (const [i, m] of models.entries()) {
    const key = `${m.model}\u0000${m.version ?? '*'}`;
    if (seen.has(key)) fail(['drift', 'models', i], `model ${JSON.stringify(m.model)}${m.version === undefined ? '' : ` version ${JSON.stringify(m.version)}`} is listed twice`);
    seen.add(key);
  }
}

/** The entry for a model version: its own, else the model-wide one, else none. */
export function driftSettingsFor(models: readonly DriftModelConfig[], model: string, version: string): DriftModelConfig | undefined {
  return models.find((m) => m.model === model && m.version === version) ?? models.find((m) => m.model === model && m.version === undefined);
}
