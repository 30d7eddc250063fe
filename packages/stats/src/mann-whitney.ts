import { normalTwoSidedP } from './internal/normal.js';

/** How many values of sample a and of sample b equal `value` (a row of a GROUP BY over both samples). */
export interface ValueGroup {
  value: number;
  a: number;
  b: number;
}

/**
 * What the Mann–Whitney test needs from two samples, computable by any engine from the merged,
 * grouped values (see {@link mannWhitneySumsFromGroups}); the collector computes them in ClickHouse.
 */
export interface MannWhitneySums {
  nA: number;
  nB: number;
  /** U of sample b: pairs (a, b) with b > a, plus half the tied pairs. */
  uB: number;
  /** Σ (t³ − t) over the tie groups of the merged sample (t values equal to each other). */
  tieSum: number;
}

/** A two-sided Mann–Whitney U test of b against a. */
export interface MannWhitneyResult extends MannWhitneySums {
  /** U of sample b, as `scipy.stats.mannwhitneyu(b, a).statistic`. */
  statistic: number;
  /** Signed normal score (positive: b tends to be larger), after the continuity correction. */
  z: number;
  pValue: number;
  /** P(B > A) + ½ P(B = A) for a random pair: U ÷ (nA·nB), the common-language effect size (0.5 = no effect). */
  commonLanguageEffect: number;
  /** 2 × commonLanguageEffect − 1, in [−1, 1]. */
  rankBiserial: number;
}

/**
 * U, n and the tie term from values grouped over both samples (one entry per distinct value,
 * entries may repeat and are merged). Exact: midranks of tied values are what the ½ counts stand for.
 */
export function mannWhitneySumsFromGroups(groups: readonly ValueGroup[]): MannWhitneySums {
  const sorted = [...groups].sort((x, y) => x.value - y.value);
  let nA = 0;
  let nB = 0;
  let uB = 0;
  let tieSum = 0;
  for (let i = 0; i < sorted.length; ) {
    const value = sorted[i]!.value;
    let a = 0;
    let b = 0;
    for (; i < sorted.length && sorted[i]!.value === value; i++) {
      a += sorted[i]!.a;
      b += sorted[i]!.b;
    }
    uB += b * (nA + a / 2);
    const t = a + b;
    tieSum += t * t * t - t;
    nA += a;
    nB += b;
  }
  return { nA, nB, uB, tieSum };
}

/**
 * Two-sided Mann–Whitney U test from its sums, as `scipy.stats.mannwhitneyu(b, a,
 * alternative='two-sided', method='asymptotic', use_continuity=True)`: normal approximation with
 * the tie-corrected variance nA·nB/12 · ((n + 1) − Σ(t³ − t) / (n(n − 1))) and a continuity
 * correction of ½. Valid for moderate samples (say 20 or more per side); there is no exact mode.
 * Without values on one side every field but the counts is NaN; when every value is tied, p = 1.
 */
export function mannWhitneyFromSums(s: MannWhitneySums): MannWhitneyResult {
  const { nA, nB, uB, tieSum } = s;
  if (nA === 0 || nB === 0) {
    return { ...s, statistic: Number.NaN, z: Number.NaN, pValue: Number.NaN, commonLanguageEffect: Number.NaN, rankBiserial: Number.NaN };
  }
  const n = nA + nB;
  const mu = (nA * nB) / 2;
  const variance = ((nA * nB) / 12) * (n + 1 - tieSum / (n * (n - 1)));
  const deviation = Math.max(0, Math.abs(uB - mu) - 0.5);
  const sd = Math.sqrt(Math.max(0, variance));
  const z = sd > 0 ? (Math.sign(uB - mu) * deviation) / sd : 0;
  const pValue = sd > 0 && deviation > 0 ? Math.min(1, normalTwoSidedP(z)) : 1;
  const cl = uB / (nA * nB);
  return { ...s, statistic: uB, z, pValue, commonLanguageEffect: cl, rankBiserial: 2 * cl - 1 };
}

/**
 * Mann–Whitney U test of raw samples; see {@link mannWhitneyFromSums}.
 *
 * @example mannWhitneyU(baselineLatencies, candidateLatencies).pValue
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const groups = new Map<number, ValueGroup>();
  const add = (value: number, side: 'a' | 'b') => {
    const g = groups.get(value) ?? { value, a: 0, b: 0 };
    g[side]++;
    groups.set(value, g);
  };
  for (const v of a) add(v, 'a');
  for (const v of b) add(v, 'b');
  return mannWhitneyFromSums(mannWhitneySumsFromGroups([...groups.values()]));
}
