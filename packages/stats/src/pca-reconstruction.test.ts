import { describe, expect, it } from 'vitest';
import { compareDatasets } from './compare-datasets.js';
import { fitReconstruction, reconstructionBounds, reconstructionDrift, reconstructionError } from './pca-reconstruction.js';
import { encodingInputOf, reconstructionEncoding, standardize } from './reconstruction-encoding.js';
import { isClose, loadFixture } from './internal/test-helpers.js';

type Row = Record<string, number | string | null>;
interface Case {
  name: string;
  numeric: string[];
  categorical: string[];
  reference: Row[];
  components: number;
  explainedVariance: number[];
  chunks: number[];
  lower: number;
  upper: number;
  currents: Array<{ name: string; rows: Row[]; mean: number; std: number; drifted: boolean }>;
}
const cases = loadFixture<{ cases: Case[] }>('multivariate.json').cases;

describe("data-reconstruction drift vs NannyML's pipeline written out in numpy", () => {
  it.each(cases)('$name: components, reference chunks, bounds, window errors', (c) => {
    const features = [...c.numeric, ...c.categorical];
    for (const cur of c.currents) {
      const r = reconstructionDrift(c.reference, cur.rows, { features, categorical: new Set(c.categorical) });
      expect(r.components).toBe(c.components);
      r.model.explainedVariance.forEach((x, i) => expect(isClose(x, c.explainedVariance[i], 1e-9)).toBe(true));
      r.bounds.chunks.forEach((x, i) => expect(isClose(x, c.chunks[i], 1e-9), `chunk ${i}`).toBe(true));
      expect(isClose(r.lower, c.lower, 1e-9)).toBe(true);
      expect(isClose(r.upper, c.upper, 1e-9)).toBe(true);
      expect(isClose(r.statistic, cur.mean, 1e-9), cur.name).toBe(true);
      expect(isClose(r.samplingError, cur.std / Math.sqrt(cur.rows.length), 1e-9)).toBe(true);
      expect(r).toMatchObject({ method: 'pca-reconstruction', status: 'ok', drifted: cur.drifted, rows: cur.rows.length });
    }
  });

  it('a change in how features move together that no univariate test sees', () => {
    const c = cases.find((x) => x.name === 'correlation-flip')!;
    const flipped = c.currents.find((x) => x.name === 'flipped')!.rows;
    const columns = (rows: Row[]) => Object.fromEntries(c.numeric.map((f) => [f, rows.map((r) => r[f] as number)]));
    // Marginals unchanged: KS (500-row reference slices keep the test) sees nothing on any feature.
    const univariate = compareDatasets(columns(c.reference.slice(0, 1000)), columns(flipped), { smallReferenceMax: 5000 });
    expect(univariate.driftedCount).toBe(0);
    expect(reconstructionDrift(c.reference, flipped)).toMatchObject({ drifted: true, status: 'ok' });
  });
});

describe('reconstruction pieces', () => {
  it('the encoding from moments equals standardising the imputed columns; a missing value is the mean (z = 0)', () => {
    const rows = [{ a: 1, b: 'x' }, { a: 3, b: 'y' }, { a: null, b: 'x' }, { a: 8, b: null }];
    const enc = reconstructionEncoding(encodingInputOf(rows));
    expect(enc.features.map((f) => f.name)).toEqual(['a', 'b']);
    const zs = rows.map((r) => standardize(enc, r));
    for (let j = 0; j < 2; j++) {
      const col = zs.map((z) => z[j]);
      expect(col.reduce((s, x) => s + x, 0)).toBeCloseTo(0, 12);
      expect(col.reduce((s, x) => s + x * x, 0) / col.length).toBeCloseTo(1, 12);
    }
    expect(zs[2][0]).toBe(0);
    // x takes the missing b: 3 of 4 rows; y 1 of 4; an unseen category encodes as share 0.
    expect(enc.features[1]).toMatchObject({ kind: 'categorical', frequencies: { x: 0.75, y: 0.25 }, fill: 0.75 });
    expect(standardize(enc, { a: 4, b: 'z' })[1]).toBeCloseTo((0 - 0.625) / Math.sqrt(0.75 * 0.75 ** 2 + 0.25 * 0.25 ** 2 - 0.625 ** 2), 12);
  });

  it('keeps the fewest components whose cumulative variance exceeds the share; no residual when all are kept', () => {
    const enc = { features: ['a', 'b', 'c'].map((name) => ({ name, kind: 'numerical' as const, mean: 0, scale: 1 })), rows: 10 };
    const gram = [[6, 0, 0], [0, 3, 0], [0, 0, 1]].map((r) => r.map((x) => x * 10));
    // Explained shares 0.6, 0.3, 0.1: cumulative 0.6 already exceeds 0.5; exactly 0.6 does not exceed 0.6.
    expect(fitReconstruction(enc, gram, { varianceShare: 0.5 }).components).toHaveLength(1);
    expect(fitReconstruction(enc, gram, { varianceShare: 0.6 }).components).toHaveLength(2);
    expect(fitReconstruction(enc, gram, { varianceShare: 0.95 }).components).toHaveLength(3);
    const m = fitReconstruction(enc, gram, { varianceShare: 0.65 });
    expect(reconstructionError(m, [1, 2, 3])).toBeCloseTo(3, 12);
    expect(() => fitReconstruction(enc, gram, { varianceShare: 1 })).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
    const all = reconstructionDrift([{ a: 1 }, { a: 2 }, { a: 3 }], [{ a: 10 }]);
    expect(all).toMatchObject({ status: 'no-residual', drifted: false });
  });

  it('bounds: mean ± 3 std of the chunk means, never below 0', () => {
    expect(reconstructionBounds([1, 2, 3])).toMatchObject({ mean: 2, lower: 0 });
    expect(reconstructionBounds([1, 1.1, 0.9]).upper).toBeCloseTo(1 + 3 * Math.sqrt(0.02 / 3), 12);
  });
});
