import type { ScoreGroup } from './classification-metrics.js';
import { estimateDifference } from './internal/estimate-difference.js';
import type { EstimateDifference } from './mean-difference.js';

/** ROC AUC with DeLong's standard error. */
export interface AucWithError {
  auc: number;
  standardError: number;
  positives: number;
  negatives: number;
}

/**
 * ROC AUC and its DeLong (1988) standard error from rows grouped by score. Each positive's
 * placement V₁₀ is the share of negatives scored below it (ties ½), each negative's V₀₁ the share
 * of positives scored above it; var(AUC) = s²(V₁₀)/m + s²(V₀₁)/n with sample variances. Rows
 * sharing a score share their placement, so the groups give the exact value. NaN without
 * positives or negatives; the error is NaN with fewer than 2 of either.
 */
export function aucWithDeLongError(groups: readonly ScoreGroup[]): AucWithError {
  const sorted = [...groups].sort((x, y) => x.score - y.score);
  const merged: ScoreGroup[] = [];
  for (const g of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.score === g.score) {
      last.positives += g.positives;
      last.negatives += g.negatives;
    } else merged.push({ ...g });
  }
  let m = 0;
  let n = 0;
  for (const g of merged) {
    m += g.positives;
    n += g.negatives;
  }
  if (m === 0 || n === 0) return { auc: Number.NaN, standardError: Number.NaN, positives: m, negatives: n };
  // V10 of the positives at a score, V01 of the negatives at it; then their means and variances.
  let negBelow = 0;
  let posAbove = m;
  let s10 = 0;
  let ss10 = 0;
  let s01 = 0;
  let ss01 = 0;
  for (const g of merged) {
    posAbove -= g.positives;
    const v10 = (negBelow + g.negatives / 2) / n;
    const v01 = (posAbove + g.positives / 2) / m;
    s10 += g.positives * v10;
    ss10 += g.positives * v10 * v10;
    s01 += g.negatives * v01;
    ss01 += g.negatives * v01 * v01;
    negBelow += g.negatives;
  }
  const auc = s10 / m;
  const var10 = m > 1 ? Math.max(0, (ss10 - s10 * auc) / (m - 1)) : Number.NaN;
  const mean01 = s01 / n;
  const var01 = n > 1 ? Math.max(0, (ss01 - s01 * mean01) / (n - 1)) : Number.NaN;
  return { auc, standardError: Math.sqrt(var10 / m + var01 / n), positives: m, negatives: n };
}

/**
 * Difference of the ROC AUCs of two independent samples (two model versions scored on different
 * rows): DeLong's variances add, and z = ΔAUC / √(var_a + var_b) with a normal interval.
 *
 * @param confidence of the interval. @default 0.95
 */
export function aucDifference(a: readonly ScoreGroup[], b: readonly ScoreGroup[], confidence = 0.95): EstimateDifference {
  const ea = aucWithDeLongError(a);
  const eb = aucWithDeLongError(b);
  return estimateDifference({ estimate: ea.auc, se: ea.standardError }, { estimate: eb.auc, se: eb.standardError }, confidence);
}
