import type { MomentSums } from './mean-difference.js';

/** One cell of a confusion matrix: how many rows had this true and this predicted class. */
export interface ConfusionCell {
  truth: string;
  predicted: string;
  count: number;
}

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose true class is this one. */
  support: number;
}

/** Classification metrics from a confusion matrix. */
export interface ClassificationMetrics {
  /** Rows counted. */
  rows: number;
  accuracy: number;
  /** Per class, over the union of true and predicted classes. */
  classes: Record<string, ClassMetrics>;
  /** Unweighted mean over the classes. */
  macro: { precision: number; recall: number; f1: number };
}

/**
 * Accuracy, and precision, recall and F1 per class and macro-averaged, from a confusion matrix
 * (cells may repeat; they are summed). Classes are the union of true and predicted ones, and a
 * ratio whose denominator is 0 counts as 0 (scikit-learn's `zero_division=0`). Without rows
 * every metric is NaN.
 *
 * @example classificationFromConfusion([{ truth: 'a', predicted: 'a', count: 8 }, { truth: 'a', predicted: 'b', count: 2 }])
 */
export function classificationFromConfusion(cells: readonly ConfusionCell[]): ClassificationMetrics {
  const tp = new Map<string, number>();
  const truthCount = new Map<string, number>();
  const predCount = new Map<string, number>();
  let rows = 0;
  let correct = 0;
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const c of cells) {
    rows += c.count;
    add(truthCount, c.truth, c.count);
    add(predCount, c.predicted, c.count);
    if (c.truth === c.predicted) {
      correct += c.count;
      add(tp, c.truth, c.count);
    }
  }
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const names = [...new Set([...truthCount.keys(), ...predCount.keys()])].sort();
  const classes: Record<string, ClassMetrics> = {};
  let sp = 0;
  let sr = 0;
  let sf = 0;
  for (const name of names) {
    const t = tp.get(name) ?? 0;
    const precision = ratio(t, predCount.get(name) ?? 0);
    const recall = ratio(t, truthCount.get(name) ?? 0);
    const f1 = ratio(2 * precision * recall, precision + recall);
    classes[name] = { precision, recall, f1, support: truthCount.get(name) ?? 0 };
    sp += precision;
    sr += recall;
    sf += f1;
  }
  const k = names.length;
  return {
    rows,
    accuracy: rows > 0 ? correct / rows : NaN,
    classes,
    macro: k > 0 ? { precision: sp / k, recall: sr / k, f1: sf / k } : { precision: NaN, recall: NaN, f1: NaN },
  };
}

/** Rows sharing one predicted score, split by their true outcome. */
export interface ScoreGroup {
  score: number;
  positives: number;
  negatives: number;
}

/**
 * ROC AUC of a binary score from rows grouped by score: the probability that a random positive
 * scores higher than a random negative, ties counting one half (the Mann–Whitney U statistic
 * divided by positives × negatives). Exact, whatever the number of distinct scores. NaN without
 * positives or without negatives.
 */
export function rocAucFromGroups(groups: readonly ScoreGroup[]): number {
  const sorted = [...groups].sort((a, b) => a.score - b.score);
  let negativesBelow = 0;
  let u = 0;
  let positives = 0;
  for (let i = 0; i < sorted.length; ) {
    let pos = 0;
    let neg = 0;
    const score = sorted[i]!.score;
    for (; i < sorted.length && sorted[i]!.score === score; i++) {
      pos += sorted[i]!.positives;
      neg += sorted[i]!.negatives;
    }
    u += pos * (negativesBelow + neg / 2);
    negativesBelow += neg;
    positives += pos;
  }
  return positives > 0 && negativesBelow > 0 ? u / (positives * negativesBelow) : NaN;
}

/** Probabilities are clipped to [LOG_LOSS_EPS, 1 − LOG_LOSS_EPS] before the logarithm. */
export const LOG_LOSS_EPS = 1e-15;

/**
 * Binary log loss (cross-entropy) of predicted probabilities of the positive class, from rows
 * grouped by score: −mean(y·ln p + (1 − y)·ln(1 − p)) with p clipped to
 * [{@link LOG_LOSS_EPS}, 1 − {@link LOG_LOSS_EPS}]. NaN without rows.
 */
export function logLossFromGroups(groups: readonly ScoreGroup[]): number {
  let sum = 0;
  let n = 0;
  for (const g of groups) {
    const p = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, g.score));
    sum -= g.positives * Math.log(p) + g.negatives * Math.log(1 - p);
    n += g.positives + g.negatives;
  }
  return n > 0 ? sum / n : NaN;
}

/**
 * Count, sum and sum of squares of the per-row log loss (clipped as {@link logLossFromGroups}),
 * from rows grouped by score: what {@link meanDifference} compares between two versions.
 */
export function logLossSumsFromGroups(groups: readonly ScoreGroup[]): MomentSums {
  const s: MomentSums = { n: 0, sum: 0, sumSq: 0 };
  for (const g of groups) {
    const p = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, g.score));
    const lp = -Math.log(p);
    const ln = -Math.log(1 - p);
    s.n += g.positives + g.negatives;
    s.sum += g.positives * lp + g.negatives * ln;
    s.sumSq += g.positives * lp * lp + g.negatives * ln * ln;
  }
  return s;
}
