import { describe, expect, it } from 'vitest';
import { detectDrift } from './detect-drift.js';
import { benjaminiHochberg } from './false-discovery.js';
import { isClose, loadFixture, normalSampler } from './internal/test-helpers.js';

const families = loadFixture<{ families: Array<{ p: number[]; adjusted: number[] }> }>('fdr.json').families;

describe('Benjamini–Hochberg vs scipy.stats.false_discovery_control', () => {
  it.each(families.map((f, i) => ({ ...f, i })))('family $i', (f) => {
    const r = benjaminiHochberg(f.p, 0.05);
    r.adjusted.forEach((a, j) => expect(isClose(a, f.adjusted[j], 1e-12), `p ${f.p[j]}`).toBe(true));
    expect(r.rejected).toEqual(f.adjusted.map((a) => a <= 0.05));
  });

  it('refuses a q or a p-value out of range', () => {
    expect(() => benjaminiHochberg([0.1], 0)).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
    expect(() => benjaminiHochberg([1.5], 0.05)).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
    expect(benjaminiHochberg([], 0.05)).toEqual({ adjusted: [], rejected: [] });
  });
});

describe('false alarms over many windows of 100 undrifted columns (KS, 300 vs 300 values)', () => {
  // The rate of windows with at least one alarm: per-column tests at 0.05 against BH at q = 0.05.
  const normal = normalSampler(2024);
  const sample = (n: number, mean = 0) => Array.from({ length: n }, () => normal(mean, 1));
  const WINDOWS = 300;
  let raw = 0;
  let controlled = 0;
  let caught = 0;
  for (let w = 0; w < WINDOWS; w++) {
    const p = Array.from({ length: 100 }, (_, f) => detectDrift(sample(300), sample(300, f === 0 && w % 2 === 1 ? 0.5 : 0)).pValue!);
    const nulls = w % 2 === 0 ? p : p.slice(1);
    const rejected = benjaminiHochberg(p, 0.05).rejected;
    if (nulls.some((x) => x < 0.05)) raw++;
    if (rejected.some((r, f) => r && !(w % 2 === 1 && f === 0))) controlled++;
    if (w % 2 === 1 && rejected[0]) caught++;
  }

  it('per-column tests alarm in nearly every window; BH keeps false alarms near q; the drifted column is still caught', () => {
    expect(raw / WINDOWS).toBeGreaterThan(0.95); // 1 − 0.95^100 ≈ 0.994 (a little less: the exact KS test is conservative)
    expect(controlled / WINDOWS).toBeLessThan(0.09);
    expect(caught / (WINDOWS / 2)).toBeGreaterThan(0.9);
    // eslint-disable-next-line no-console -- the figures the docs quote
    console.log(`false-alarm rate over ${WINDOWS} windows: per-column ${(raw / WINDOWS).toFixed(3)}, BH ${(controlled / WINDOWS).toFixed(3)}; shifted column caught in ${caught} of ${WINDOWS / 2}`);
  });
});
