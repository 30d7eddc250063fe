import Type, { type Static } from 'typebox';
import type { Fail } from './problems.js';
import { Count, Entry, FileList, Name, NameOr, Section } from './setting.js';

/** Which prediction outputs a model's quality is measured on. */
export interface QualityModelConfig {
  model: string;
  /** Output holding the predicted class (categorical, or numeric compared as text: 1 → "1"). */
  label: string;
  /** Numeric output holding the predicted probability of `positiveClass` (ROC AUC, log loss). */
  score: string;
  /** Numeric output holding the predicted value of a regression (compared with feedback `value`). */
  value: string;
  /** Feedback label of the positive class for ROC AUC and log loss. */
  positiveClass: string;
}

/** Output names used for a model that `quality.models` does not list, and for keys an entry leaves out. */
export const DEFAULT_QUALITY_OUTPUTS: Omit<QualityModelConfig, 'model'> = { label: 'label', score: 'score', value: 'value', positiveClass: '1' };

/** One entry of `quality.models`. */
const QualityModel = Entry({
  model: Name,
  label: Type.Optional(NameOr(DEFAULT_QUALITY_OUTPUTS.label)),
  score: Type.Optional(NameOr(DEFAULT_QUALITY_OUTPUTS.score)),
  value: Type.Optional(NameOr(DEFAULT_QUALITY_OUTPUTS.value)),
  /** A number is read as its text (`positiveClass: 1` is "1"). */
  positiveClass: Type.Optional(Type.Union([Name, Type.Number()], { default: DEFAULT_QUALITY_OUTPUTS.positiveClass })),
});

/** `quality:`: the model quality job (predictions joined with feedback); each window setting left out takes the drift job's. */
export const QualitySection = Section(
  {
    windowSeconds: Count({ env: 'INFERLENS_QUALITY_WINDOW_SECONDS', minimum: 60, maximum: 86_400, defaultFrom: 'drift.windowSeconds', description: 'quality window length in seconds (prediction event time)' }),
    allowedLatenessSeconds: Count({
      env: 'INFERLENS_QUALITY_ALLOWED_LATENESS_SECONDS',
      defaultFrom: 'drift.allowedLatenessSeconds',
      description: 'how long a quality window waits for late predictions before its first computation, in seconds',
    }),
    intervalMs: Count({ env: 'INFERLENS_QUALITY_INTERVAL_MS', defaultFrom: 'drift.intervalMs', description: 'how often the quality job closes windows and looks for late feedback, in milliseconds' }),
    idleTimeoutSeconds: Count({ env: 'INFERLENS_QUALITY_IDLE_TIMEOUT_SECONDS', defaultFrom: 'drift.idleTimeoutSeconds', description: 'idle timeout of quality windows, in seconds' }),
    models: FileList(QualityModel, 'per-model output names (YAML file only); see [Model quality](quality.md)'),
  },
  "the model quality job; each window setting left out takes the drift job's",
);

/** Settings of the quality job. */
export type QualityJobConfig = Omit<Static<typeof QualitySection>, 'models'> & { models: QualityModelConfig[] };

/** `quality.models` as the job uses it: each model listed once, the positive class as text. */
export function qualityModels(entries: ReadonlyArray<Static<typeof QualityModel>>, fail: Fail): QualityModelConfig[] {
  const seen = new Set<string>();
  return entries.map((e, i) => {
    if (seen.has(e.model)) fail(['quality', 'models', i, 'model'], `expected a model listed once, got ${JSON.stringify(e.model)} again`);
    seen.add(e.model);
    return { ...DEFAULT_QUALITY_OUTPUTS, ...e, positiveClass: String(e.positiveClass ?? DEFAULT_QUALITY_OUTPUTS.positiveClass) };
  });
}
