import { normalCritical, normalTwoSidedP } from './normal.js';
import type { EstimateDifference } from '../mean-difference.js';

/** Wald comparison of two independent estimates with standard errors: b − a, its interval, z and p. */
export function estimateDifference(
  a: { estimate: number; se: number },
  b: { estimate: number; se: number },
  confidence: number,
): EstimateDifference {
  const difference = b.estimate - a.estimate;
  const se = Math.sqrt(a.se * a.se + b.se * b.se);
  const h = normalCritical(confidence) * se;
  const z = se > 0 ? difference / se : difference === 0 ? 0 : Math.sign(difference) * Number.POSITIVE_INFINITY;
  const pValue = Number.isNaN(difference) || Number.isNaN(se) ? Number.NaN : se > 0 ? normalTwoSidedP(z) : difference === 0 ? 1 : 0;
  return { a: a.estimate, b: b.estimate, difference, standardError: se, interval: [difference - h, difference + h], z, pValue };
}
