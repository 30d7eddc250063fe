import { StatsError } from './StatsError.js';
import { isMissingNumber, isMissingValue } from './internal/missing.js';

/**
 * How one feature becomes one standardised number before PCA, as NannyML's data reconstruction
 * does it: a missing number takes the reference mean; a missing category the reference's most
 * frequent one; a category is replaced by its share of the reference rows (after that imputation,
 * `CountEncoder(normalize=True)`); then every column is centred and scaled by its reference
 * standard deviation (ddof 0, `StandardScaler`; a constant column keeps scale 1).
 */
export type ReconstructionFeature =
  | { name: string; kind: 'numerical'; mean: number; scale: number }
  | {
      name: string;
      kind: 'categorical';
      /** Share of the reference rows per category; a category absent from it (unseen, or beyond `maxCategories`) counts 0. */
      frequencies: Record<string, number>;
      /** The encoded value of a missing category: the share of the most frequent one. */
      fill: number;
      mean: number;
      scale: number;
    };

/** The features of a reconstruction model, in their order in the standardised vector. */
export interface ReconstructionEncoding {
  features: ReconstructionFeature[];
  /** Reference rows the encoding was computed from. */
  rows: number;
}

/** What an encoding is computed from: the reference's moments and category counts (a profile). */
export interface EncodingInput {
  /** Reference rows; a feature's missing count is `rows` minus its count. */
  rows: number;
  /** Per numeric feature: its non-missing values' count, sum and sum of squares. */
  numeric: Record<string, { count: number; sum: number; sumSq: number }>;
  /** Per categorical feature: counts of its categories. */
  categorical: Record<string, { counts: Record<string, number> }>;
}

/** Options of {@link reconstructionEncoding}. */
export interface EncodingOptions {
  /** Features to use, in this order. @default every numeric then every categorical feature, each by name */
  features?: readonly string[];
  /**
   * Categories kept per categorical feature, the most frequent first; the others encode as 0,
   * like an unseen category (their shares are below the last kept one's). @default 1000
   */
  maxCategories?: number;
}

/** Default of {@link EncodingOptions.maxCategories}. */
export const DEFAULT_MAX_CATEGORIES = 1000;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A standard deviation that is 0 up to rounding: scale 1, as scikit-learn's `StandardScaler`. */
function scaleOf(variance: number, mean: number): number {
  const sd = Math.sqrt(Math.max(0, variance));
  return sd <= 1e-12 * Math.max(1, Math.abs(mean)) ? 1 : sd;
}

/**
 * The encoding of a reference, from its moments and category counts (no second pass over the
 * rows). Numbers: mean over the non-missing values, variance over all rows with the missing ones
 * at the mean: Σ(v − mean)² ÷ rows. Categories: after the most frequent category (ties: the
 * smallest name, as scikit-learn's `SimpleImputer`) takes the missing rows, each category's share
 * of the rows; mean and variance of those shares over the rows.
 *
 * @throws StatsError `STATS_INVALID_ARGUMENT` for a named feature the input lacks
 */
export function reconstructionEncoding(input: EncodingInput, options: EncodingOptions = {}): ReconstructionEncoding {
  const names = options.features ?? [...Object.keys(input.numeric).sort(byName), ...Object.keys(input.categorical).sort(byName)];
  const n = input.rows;
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  const features = names.map((name): ReconstructionFeature => {
    const num = Object.hasOwn(input.numeric, name) ? input.numeric[name] : undefined;
    if (num) {
      const mean = num.count > 0 ? num.sum / num.count : 0;
      const squares = num.count > 0 ? num.sumSq - (num.sum * num.sum) / num.count : 0;
      return { name, kind: 'numerical', mean, scale: scaleOf(n > 0 ? squares / n : 0, mean) };
    }
    const cat = Object.hasOwn(input.categorical, name) ? input.categorical[name] : undefined;
    if (!cat) throw new StatsError('STATS_INVALID_ARGUMENT', `Feature '${name}' is neither a numeric nor a categorical feature of the reference.`);
    const entries = Object.entries(cat.counts).filter(([, c]) => c > 0);
    entries.sort(([a, x], [b, y]) => y - x || byName(a, b));
    const present = entries.reduce((s, [, c]) => s + c, 0);
    if (entries.length > 0) entries[0] = [entries[0][0], entries[0][1] + Math.max(0, n - present)];
    const frequencies: Record<string, number> = {};
    let mean = 0;
    let meanSq = 0;
    for (const [category, c] of entries.slice(0, maxCategories)) {
      const f = c / n;
      frequencies[category] = f;
      mean += (c / n) * f;
      meanSq += (c / n) * f * f;
    }
    const fill = entries.length > 0 ? entries[0][1] / n : 0;
    return { name, kind: 'categorical', frequencies, fill, mean, scale: scaleOf(meanSq - mean * mean, mean) };
  });
  return { features, rows: n };
}

/** The encoding input of raw rows (objects of feature values): numbers are numeric features, anything else categorical. */
export function encodingInputOf(rows: ReadonlyArray<Record<string, unknown>>, categorical: ReadonlySet<string> = new Set()): EncodingInput {
  const input: EncodingInput = { rows: rows.length, numeric: {}, categorical: {} };
  const kinds = new Map<string, 'numerical' | 'categorical'>();
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) {
      if (isMissingValue(v) || (typeof v === 'number' && !Number.isFinite(v))) continue;
      if (categorical.has(k) || typeof v !== 'number') kinds.set(k, 'categorical');
      else if (!kinds.has(k)) kinds.set(k, 'numerical');
    }
  }
  for (const [k, kind] of kinds) {
    if (kind === 'numerical') input.numeric[k] = { count: 0, sum: 0, sumSq: 0 };
    else input.categorical[k] = { counts: {} };
  }
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) {
      const kind = kinds.get(k);
      if (kind === 'numerical' && !isMissingNumber(v)) {
        const s = input.numeric[k];
        s.count++;
        s.sum += v as number;
        s.sumSq += (v as number) * (v as number);
      } else if (kind === 'categorical' && !isMissingValue(v) && !(typeof v === 'number' && !Number.isFinite(v))) {
        const counts = input.categorical[k].counts;
        const key = String(v);
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }
  }
  return input;
}

/**
 * One row as the standardised vector of `encoding` (numbers read as numbers, categories as
 * text; null, undefined, NaN and values of the other type are missing).
 */
export function standardize(encoding: ReconstructionEncoding, row: Readonly<Record<string, unknown>>): number[] {
  return encoding.features.map((f) => {
    const v = Object.hasOwn(row, f.name) ? row[f.name] : undefined;
    if (f.kind === 'numerical') return isMissingNumber(v) ? 0 : ((v as number) - f.mean) / f.scale;
    const x = isMissingValue(v) || (typeof v === 'number' && !Number.isFinite(v))
      ? f.fill
      : Object.hasOwn(f.frequencies, String(v)) ? f.frequencies[String(v)] : 0;
    return (x - f.mean) / f.scale;
  });
}
