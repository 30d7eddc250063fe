import { rocAucFromGroups } from './classification-metrics.js';
import { StatsError } from './StatsError.js';

/**
 * Confidence-based performance estimation (NannyML's CBPE) for a binary classifier with a score:
 * performance estimated from the scores alone, before any label arrives.
 *
 * 1. **Calibration** on the reference's labelled rows: isotonic regression of the label on the
 *    score (scikit-learn's `IsotonicRegression(out_of_bounds='clip')`, which NannyML's calibrator
 *    wraps): rows grouped by distinct score, pool-adjacent-violators weighted by rows, a score
 *    between two fitted scores interpolated linearly, outside them clipped.
 * 2. **Estimation** per window from each row's calibrated probability p and predicted class ŷ:
 *    expected TP = Σ_{ŷ=1} p, FP = Σ_{ŷ=1} (1 − p), FN = Σ_{ŷ=0} p, TN = Σ_{ŷ=0} (1 − p); accuracy,
 *    precision, recall and F1 from those; ROC AUC from the curve of cumulative p and 1 − p over
 *    rows sorted by p (NannyML's `estimate_roc_auc`; ties count one half).
 * 3. **Band**: estimate ± 3 sampling errors, clipped to [0, 1]; the sampling error is NannyML's,
 *    from the reference's labelled rows (the standard deviation of a per-row quantity, divided by
 *    √(rows of the window × the share of rows that quantity concerns)).
 *
 * The calibrated probabilities are honest only while the relation between score and label stays
 * what it was in the reference (covariate shift is fine, concept drift is not): the estimate
 * says what the performance would be if the model were as calibrated as on the reference.
 */

/** Rows of one distinct score: how many had the positive label and how many not. */
export interface CalibrationGroup {
  score: number;
  positives: number;
  negatives: number;
}

/** Isotonic calibration: fitted scores (increasing) and their probabilities. */
export interface IsotonicCalibrator {
  x: number[];
  y: number[];
}

/**
 * Fits an increasing isotonic regression of the label on the score, as
 * `sklearn.isotonic.IsotonicRegression(out_of_bounds='clip').fit(score, label)`: one point per
 * distinct score (its share of positives, weighted by its rows), pool adjacent violators.
 *
 * @throws StatsError `STATS_INVALID_ARGUMENT` without rows, or for a non-finite score
 */
export function fitIsotonicCalibrator(groups: readonly CalibrationGroup[]): IsotonicCalibrator {
  const merged = new Map<number, { p: number; n: number }>();
  for (const g of groups) {
    if (!Number.isFinite(g.score)) throw new StatsError('STATS_INVALID_ARGUMENT', `scores must be finite, got ${g.score}.`);
    if (g.positives + g.negatives <= 0) continue;
    const m = merged.get(g.score) ?? { p: 0, n: 0 };
    m.p += g.positives;
    m.n += g.positives + g.negatives;
    merged.set(g.score, m);
  }
  if (merged.size === 0) throw new StatsError('STATS_INVALID_ARGUMENT', 'isotonic calibration needs labelled rows.');
  const x = [...merged.keys()].sort((a, b) => a - b);
  // Pool adjacent violators: blocks of (mean, weight, length).
  const mean: number[] = [];
  const weight: number[] = [];
  const length: number[] = [];
  for (const s of x) {
    const m = merged.get(s)!;
    mean.push(m.p / m.n);
    weight.push(m.n);
    length.push(1);
    while (mean.length > 1 && mean[mean.length - 2]! > mean[mean.length - 1]!) {
      const w = weight.pop()!;
      const v = mean.pop()!;
      const l = length.pop()!;
      const i = mean.length - 1;
      mean[i] = (mean[i]! * weight[i]! + v * w) / (weight[i]! + w);
      weight[i]! += w;
      length[i]! += l;
    }
  }
  const y: number[] = [];
  mean.forEach((v, i) => {
    for (let k = 0; k < length[i]!; k++) y.push(v);
  });
  return { x, y };
}

/** The calibrated probability of `score`: linear between fitted scores (`numpy.interp`), clipped outside. */
export function calibrate(c: IsotonicCalibrator, score: number): number {
  const { x, y } = c;
  if (score <= x[0]!) return y[0]!;
  if (score >= x[x.length - 1]!) return y[y.length - 1]!;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= score) lo = mid;
    else hi = mid;
  }
  const slope = (y[hi]! - y[lo]!) / (x[hi]! - x[lo]!);
  return slope * (score - x[lo]!) + y[lo]!;
}

/** A labelled reference row: its score, predicted class and true class (positive or not). */
export interface CbpeReferenceRow {
  score: number;
  predicted: boolean;
  truth: boolean;
}

/** The metrics CBPE estimates. */
export const CBPE_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'] as const;
export type CbpeMetric = (typeof CBPE_METRICS)[number];

/** NannyML's sampling-error components of one metric: std of a per-row quantity, and the share of rows it concerns. */
export interface SamplingErrorComponents {
  std: number;
  fraction: number;
}

/** A fitted CBPE: the calibrator and, per metric, the sampling-error components of the reference. */
export interface CbpeModel {
  calibrator: IsotonicCalibrator;
  sampling: Record<CbpeMetric, SamplingErrorComponents>;
  /** Labelled reference rows it was fitted on. */
  referenceRows: number;
}

/** One estimated metric: the estimate, its band (± 3 sampling errors, within [0, 1]) and the sampling error. */
export interface EstimatedMetric {
  value: number;
  lower: number;
  upper: number;
  samplingError: number;
}

/** A window's estimated performance; a metric that cannot be estimated (no predicted positives, ...) is NaN. */
export type EstimatedPerformance = { rows: number } & Record<CbpeMetric, EstimatedMetric>;

/** Rows of a window with one score and predicted class. */
export interface PredictionGroup {
  score: number;
  predicted: boolean;
  count: number;
}

const std = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / xs.length);
};

/**
 * NannyML's sampling-error components (`nannyml/sampling_error/binary_classification.py`) from
 * labelled reference rows: accuracy from correct / wrong rows; precision from the predicted
 * positives (1 when right); recall from the true positives (1 when found); F1 from TP, FP and FN
 * rows (TP 1, the others 0, scaled by |TP ∪ FP ∪ FN| / (TP + (FP + FN)/2)); ROC AUC from the
 * positives' share of negatives ranked below them (rows sorted by score, stably; labels and
 * scores flipped first when positives are the majority).
 */
export function samplingErrorComponents(rows: readonly CbpeReferenceRow[]): Record<CbpeMetric, SamplingErrorComponents> {
  const n = rows.length;
  const predictedPositive = rows.filter((r) => r.predicted);
  const truePositive = rows.filter((r) => r.truth);
  const tp = rows.filter((r) => r.truth && r.predicted).length;
  const fp = rows.filter((r) => !r.truth && r.predicted).length;
  const fn = rows.filter((r) => r.truth && !r.predicted).length;
  const relevant = tp + fp + fn;
  const factor = relevant / ((fn + fp) * 0.5 + tp);
  const f1Obs = [...Array<number>(tp).fill(factor), ...Array<number>(fn + fp).fill(0)];
  // ROC AUC: positives should be the minority.
  const flip = truePositive.length / n > 0.5;
  const ordered = rows
    .map((r, i) => ({ s: flip ? 1 - r.score : r.score, y: flip ? !r.truth : r.truth, i }))
    .sort((a, b) => a.s - b.s || a.i - b.i);
  const ranks: number[] = [];
  ordered.forEach((r, rank) => {
    if (r.y && rank > 0) ranks.push(rank);
  });
  const nPos = ordered.filter((r) => r.y).length;
  const nNeg = n - nPos;
  const below = ranks.map((rank, i) => (rank - i) / nNeg);
  return {
    accuracy: { std: std(rows.map((r) => (r.truth === r.predicted ? 1 : 0))), fraction: 1 },
    precision: { std: std(predictedPositive.map((r) => (r.truth ? 1 : 0))), fraction: predictedPositive.length / n },
    recall: { std: std(truePositive.map((r) => (r.predicted ? 1 : 0))), fraction: truePositive.length / n },
    f1: { std: std(f1Obs), fraction: relevant / n },
    rocAuc: { std: std(below), fraction: nPos / n },
  };
}

/**
 * Fits CBPE on labelled reference rows: the isotonic calibrator and the sampling-error components.
 *
 * @throws StatsError `STATS_INVALID_ARGUMENT` without rows of both classes
 */
export function fitCbpe(rows: readonly CbpeReferenceRow[]): CbpeModel {
  const positives = rows.filter((r) => r.truth).length;
  if (positives === 0 || positives === rows.length) {
    throw new StatsError('STATS_INVALID_ARGUMENT', `CBPE needs labelled reference rows of both classes; got ${positives} positive of ${rows.length}.`);
  }
  const groups = new Map<number, CalibrationGroup>();
  for (const r of rows) {
    const g = groups.get(r.score) ?? { score: r.score, positives: 0, negatives: 0 };
    if (r.truth) g.positives++;
    else g.negatives++;
    groups.set(r.score, g);
  }
  return { calibrator: fitIsotonicCalibrator([...groups.values()]), sampling: samplingErrorComponents(rows), referenceRows: rows.length };
}

/**
 * A window's estimated accuracy, precision, recall, F1 and ROC AUC from its rows grouped by score
 * and predicted class, with NannyML's band: estimate ± 3 · std / √(rows · fraction), within [0, 1].
 */
export function estimatePerformance(model: CbpeModel, groups: readonly PredictionGroup[]): EstimatedPerformance {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let rows = 0;
  const byProbability = new Map<number, { score: number; positives: number; negatives: number }>();
  for (const g of groups) {
    if (g.count <= 0) continue;
    const p = calibrate(model.calibrator, g.score);
    rows += g.count;
    if (g.predicted) {
      tp += g.count * p;
      fp += g.count * (1 - p);
    } else {
      fn += g.count * p;
      tn += g.count * (1 - p);
    }
    const a = byProbability.get(p) ?? { score: p, positives: 0, negatives: 0 };
    a.positives += g.count * p;
    a.negatives += g.count * (1 - p);
    byProbability.set(p, a);
  }
  const values: Record<CbpeMetric, number> = {
    accuracy: rows > 0 ? (tp + tn) / rows : Number.NaN,
    precision: tp + fp > 0 ? tp / (tp + fp) : Number.NaN,
    recall: tp + fn > 0 ? tp / (tp + fn) : Number.NaN,
    f1: tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : Number.NaN,
    rocAuc: rows > 0 ? rocAucFromGroups([...byProbability.values()]) : Number.NaN,
  };
  const out = { rows } as EstimatedPerformance;
  for (const m of CBPE_METRICS) {
    const c = model.sampling[m];
    const se = c.std / Math.sqrt(rows * c.fraction);
    const v = values[m];
    out[m] = { value: v, lower: Math.max(0, v - 3 * se), upper: Math.min(1, v + 3 * se), samplingError: se };
  }
  return out;
}
