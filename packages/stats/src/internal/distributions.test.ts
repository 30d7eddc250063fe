import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chiSquareSurvival } from './incomplete-gamma.js';
import { kolmogorovSurvival } from './kolmogorov.js';
import { smirnovTwoSampleExact } from './smirnov-exact.js';

interface Fixture {
  kstwoSf: { n: number; x: number; sf: number }[];
  ksTwoSampleExact: { n1: number; n2: number; d: number; p: number }[];
  chiSquareSf: { x: number; dof: number; sf: number }[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/distributions.json', import.meta.url), 'utf8'),
) as Fixture;

/** |actual − expected| ≤ rtol·|expected| + atol. */
function close(actual: number, expected: number, rtol: number, atol: number): boolean {
  return Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
}

describe('chi-square survival (vs scipy.stats.chi2.sf)', () => {
  it.each(fixture.chiSquareSf)('x=$x dof=$dof', ({ x, dof, sf }) => {
    const actual = chiSquareSurvival(x, dof);
    expect(close(actual, sf, 1e-9, 1e-300), `${actual} vs ${sf}`).toBe(true);
  });
});

describe('Kolmogorov survival (vs scipy.stats.kstwo.sf)', () => {
  it('matches on every regime', () => {
    const bad = fixture.kstwoSf
      .map((c) => ({ ...c, actual: kolmogorovSurvival(c.n, c.x) }))
      .filter((c) => !close(c.actual, c.sf, 1e-8, 1e-14));
    expect(bad).toEqual([]);
  });
});

describe('exact two-sample Smirnov p-value (vs scipy _attempt_exact_2kssamp)', () => {
  it('matches', () => {
    const bad = fixture.ksTwoSampleExact
      .map((c) => {
        const g = gcd(c.n1, c.n2);
        const lcm = (c.n1 / g) * c.n2;
        return { ...c, actual: smirnovTwoSampleExact(c.n1, c.n2, Math.round(c.d * lcm)) };
      })
      .filter((c) => !close(c.actual, c.p, 1e-9, 1e-300));
    expect(bad).toEqual([]);
  });
});

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
