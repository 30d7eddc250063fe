import { StatsError } from './StatsError.js';

/** Result of {@link benjaminiHochberg}, in the order of the p-values given. */
export interface FalseDiscoveryResult {
  /** Benjamini–Hochberg adjusted p-values (q-values), as `scipy.stats.false_discovery_control(p, method='bh')`. */
  adjusted: number[];
  /** Rejected at level q: adjusted p-value ≤ q (the step-up rule p₍ᵢ₎ ≤ i·q/m for every i up to the largest such i). */
  rejected: boolean[];
}

/**
 * Benjamini–Hochberg false-discovery-rate control over one family of tests (the columns of a
 * window): sort the m p-values, p₍ᵢ₎ adjusted = minₖ≥ᵢ (m/k)·p₍ₖ₎, capped at 1; a test is rejected
 * when its adjusted p-value is at most q. Among the rejected tests, the expected share of true
 * null hypotheses is at most q·m₀/m (independent or positively dependent tests); when every
 * null hypothesis holds, the chance of any rejection is at most q, so a window of 100 undrifted
 * columns raises an alarm in about q of windows instead of 1 − 0.95¹⁰⁰ ≈ 99% of them.
 *
 * @throws StatsError `STATS_INVALID_ARGUMENT` for a q outside (0, 1) or a p-value outside [0, 1]
 * @example benjaminiHochberg([0.001, 0.02, 0.04, 0.3], 0.05).rejected // [true, true, false, false]
 */
export function benjaminiHochberg(pValues: readonly number[], q: number): FalseDiscoveryResult {
  if (!(q > 0 && q < 1)) throw new StatsError('STATS_INVALID_ARGUMENT', `q must lie in (0, 1), got ${q}.`);
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new StatsError('STATS_INVALID_ARGUMENT', `p-values must lie in [0, 1], got ${p}.`);
  }
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b]);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = order[r];
    running = Math.min(running, (pValues[i] * m) / (r + 1));
    adjusted[i] = running;
  }
  return { adjusted, rejected: adjusted.map((a) => a <= q) };
}
