import { gammaln } from 'simple-statistics';

const EPSILON = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/**
 * Regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a).
 *
 * Series for P(a, x) when x < a + 1 (there Q is not small, so 1 − P loses
 * nothing), modified Lentz continued fraction for Q otherwise (so tiny
 * upper tails keep their relative precision). Numerical Recipes §6.2.
 */
export function regularizedUpperGamma(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const logPrefactor = -x + a * Math.log(x) - gammaln(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
    }
    return Math.min(1, Math.max(0, 1 - sum * Math.exp(logPrefactor)));
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.min(1, Math.max(0, Math.exp(logPrefactor) * h));
}

/** Survival function of the chi-square distribution with `dof` degrees of freedom. */
export function chiSquareSurvival(x: number, dof: number): number {
  if (dof <= 0 || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  return regularizedUpperGamma(dof / 2, x / 2);
}
