import { ConfigError } from './errors.js';

/** Which prediction outputs a model's quality is measured on. */
export interface QualityModelConfig {
  model: string;
  /** Output holding the predicted class (categorical, or numeric compared as text: 1 → "1"). @default 'label' */
  label: string;
  /** Numeric output holding the predicted probability of `positiveClass` (ROC AUC, log loss). @default 'score' */
  score: string;
  /** Numeric output holding the predicted value of a regression (compared with feedback `value`). @default 'value' */
  value: string;
  /** Feedback label of the positive class for ROC AUC and log loss. @default '1' */
  positiveClass: string;
}

/** Settings of the quality job; each window setting left unset (0) takes the drift job's value. */
export interface QualityJobConfig {
  /** Event-time window length in seconds (60 to 86400). @default drift.windowSeconds */
  windowSeconds: number;
  /** How long a window waits for late predictions before its first computation, in seconds. @default drift.allowedLatenessSeconds */
  allowedLatenessSeconds: number;
  /** How often the job closes ready windows and recomputes those with new feedback, in milliseconds. @default drift.intervalMs */
  intervalMs: number;
  /** Wall-clock wait (beyond the allowed lateness) after which a quiet stream's window closes, in seconds. @default drift.idleTimeoutSeconds */
  idleTimeoutSeconds: number;
  /** Per-model output names (YAML file only); models not listed use the defaults. @default [] */
  models: QualityModelConfig[];
}

/** Output names used for a model that `quality.models` does not list. */
export const DEFAULT_QUALITY_OUTPUTS: Omit<QualityModelConfig, 'model'> = { label: 'label', score: 'score', value: 'value', positiveClass: '1' };

const KEYS = ['model', 'label', 'score', 'value', 'positiveClass'];

/**
 * Validates `quality.models` of the YAML config.
 * @throws ConfigError naming the key (`quality.models[1].score`), the value and what is expected.
 */
export function parseQualityModels(file: string, value: unknown): QualityModelConfig[] {
  if (value === undefined || value === null) return [];
  const where = `${file}: quality.models`;
  if (!Array.isArray(value)) throw new ConfigError(`config error: ${where}: expected a list of { model, label, score, value, positiveClass }, got ${JSON.stringify(value)}`);
  const seen = new Set<string>();
  return value.map((entry, i) => {
    const at = `${where}[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new ConfigError(`config error: ${at}: expected a mapping with keys ${KEYS.join(', ')}, got ${JSON.stringify(entry)}`);
    }
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!KEYS.includes(key)) throw new ConfigError(`config error: ${at}: unknown key "${key}"; known keys: ${KEYS.join(', ')}`);
    }
    const str = (key: string, fallback?: string): string => {
      const v = e[key] ?? fallback;
      if (typeof v === 'number' && key === 'positiveClass') return String(v);
      if (typeof v !== 'string' || v.length === 0 || v.length > 256) {
        throw new ConfigError(`config error: ${at}.${key}: expected a non-empty string of at most 256 characters, got ${JSON.stringify(e[key])}`);
      }
      return v;
    };
    const model = str('model');
    if (seen.has(model)) throw new ConfigError(`config error: ${at}.model: expected a model listed once, got ${JSON.stringify(model)} again`);
    seen.add(model);
    return {
      model,
      label: str('label', DEFAULT_QUALITY_OUTPUTS.label),
      score: str('score', DEFAULT_QUALITY_OUTPUTS.score),
      value: str('value', DEFAULT_QUALITY_OUTPUTS.value),
      positiveClass: str('positiveClass', DEFAULT_QUALITY_OUTPUTS.positiveClass),
    };
  });
}
