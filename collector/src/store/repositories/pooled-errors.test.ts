import { describe, expect, it } from 'vitest';
import { pooled } from './reconstruction-errors.js';

// The whole window's error summary pooled from its segments' (count, mean, sample variance), as
// the drift job reads it beside the segments', against the summary of the rows themselves.

function summary(xs: number[]) {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : Number.NaN;
  return { n, mean, variance };
}

describe('pooled', () => {
  it('equals the mean and sample standard deviation of the union of the groups', () => {
    const groups = [[1.2, 0.7, 3.1, 2.2], [10.5], [0.1, 0.4, 0.2], [5, 5, 5]];
    const all = summary(groups.flat());
    const got = pooled(groups.map(summary));
    expect(got.rows).toBe(11);
    expect(got.mean).toBeCloseTo(all.mean, 12);
    expect(got.std).toBeCloseTo(Math.sqrt(all.variance), 12);
  });

  it('gives NaN without rows, and no standard deviation for one row', () => {
    expect(pooled([])).toEqual({ rows: 0, mean: Number.NaN, std: Number.NaN });
    expect(pooled([{ n: 1, mean: 2.5, variance: Number.NaN }])).toEqual({ rows: 1, mean: 2.5, std: Number.NaN });
  });
});
