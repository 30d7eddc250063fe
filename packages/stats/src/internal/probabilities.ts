import { StatsError } from '../StatsError.js';

export function checkAligned(reference: readonly number[], current: readonly number[]): void {
  if (reference.length !== current.length) {
    throw new StatsError(
      'STATS_INVALID_ARGUMENT',
      `Reference and current counts must be aligned; got ${reference.length} and ${current.length} bins.`,
    );
  }
  for (const c of [...reference, ...current]) {
    if (!(c >= 0) || !Number.isFinite(c)) {
      throw new StatsError('STATS_INVALID_ARGUMENT', `Counts must be finite and non-negative, got ${c}.`);
    }
  }
}

/** Counts → proportions, with `pseudoCount` added to every bin first. NaN-filled when empty. */
export function toProportions(counts: readonly number[], pseudoCount = 0): number[] {
  let total = 0;
  for (const c of counts) total += c + pseudoCount;
  return counts.map((c) => (total > 0 ? (c + pseudoCount) / total : Number.NaN));
}

export function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
