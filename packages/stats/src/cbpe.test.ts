import { describe, expect, it } from 'vitest';
import { calibrate, CBPE_METRICS, estimatePerformance, fitCbpe, fitIsotonicCalibrator, type CbpeReferenceRow, type PredictionGroup } from './cbpe.js';
import { isClose, loadFixture } from './internal/test-helpers.js';

type Row = [score: number, predicted: 0 | 1, truth: 0 | 1];
interface Metric { value: number; lower: number; upper: number; samplingError: number }
const fx = loadFixture<{
  reference: Row[];
  calibrator: { x: number[]; y: number[] };
  sampling: Record<string, { std: number; fraction: number }>;
  windows: Array<{ rows: Row[]; estimated: Record<string, Metric>; calibrated: number[] }>;
}>('cbpe.json');

const referenceRows = (rows: Row[]): CbpeReferenceRow[] => rows.map(([score, p, y]) => ({ score, predicted: p === 1, truth: y === 1 }));
/** A window's rows grouped by score and predicted class, as the quality job reads them from ClickHouse. */
function grouped(rows: Row[]): PredictionGroup[] {
  const m = new Map<string, PredictionGroup>();
  for (const [score, p] of rows) {
    const k = `${score}/${p}`;
    const g = m.get(k) ?? { score, predicted: p === 1, count: 0 };
    g.count++;
    m.set(k, g);
  }
  return [...m.values()];
}

describe('CBPE vs NannyML re-done in numpy/scipy (make-cbpe-fixtures.py)', () => {
  const model = fitCbpe(referenceRows(fx.reference));

  it('isotonic calibration: the fitted points, and numpy.interp between them', () => {
    expect(model.calibrator.x).toEqual(fx.calibrator.x);
    model.calibrator.y.forEach((y, i) => expect(isClose(y, fx.calibrator.y[i]!, 1e-12, 1e-15), `point ${i}`).toBe(true));
    fx.windows[0]!.calibrated.forEach((p, i) => expect(isClose(calibrate(model.calibrator, fx.windows[0]!.rows[i]![0]), p, 1e-12, 1e-15), `row ${i}`).toBe(true));
  });

  it('sampling-error components of the reference', () => {
    for (const m of CBPE_METRICS) {
      expect(isClose(model.sampling[m].std, fx.sampling[m]!.std, 1e-12), `${m} std`).toBe(true);
      expect(isClose(model.sampling[m].fraction, fx.sampling[m]!.fraction, 1e-12), `${m} fraction`).toBe(true);
    }
  });

  it.each(fx.windows.map((w, i) => ({ i, w })))('window $i: estimates (grouped rows against NannyML per row), sampling errors, bounds', ({ w }) => {
    const est = estimatePerformance(model, grouped(w.rows));
    expect(est.rows).toBe(w.rows.length);
    for (const m of CBPE_METRICS) {
      const want = w.estimated[m]!;
      for (const k of ['value', 'samplingError', 'lower', 'upper'] as const) {
        expect(isClose(est[m][k], want[k], 1e-9), `${m}.${k}: ${est[m][k]} vs ${want[k]}`).toBe(true);
      }
    }
  });

  it('pool adjacent violators: a violating pair is pooled by weight; constant and single-score fits', () => {
    const c = fitIsotonicCalibrator([
      { score: 0.1, positives: 1, negatives: 3 },
      { score: 0.2, positives: 3, negatives: 1 },
      { score: 0.3, positives: 1, negatives: 1 },
      { score: 0.4, positives: 9, negatives: 1 },
    ]);
    // (3 + 1) positives of 6 rows pooled for 0.2 and 0.3.
    expect(c).toEqual({ x: [0.1, 0.2, 0.3, 0.4], y: [0.25, 4 / 6, 4 / 6, 0.9] });
    expect(calibrate(c, 0)).toBe(0.25);
    expect(calibrate(c, 1)).toBe(0.9);
    expect(calibrate(c, 0.15)).toBeCloseTo((0.25 + 4 / 6) / 2, 12);
    expect(fitIsotonicCalibrator([{ score: 0.5, positives: 1, negatives: 1 }])).toEqual({ x: [0.5], y: [0.5] });
  });

  it('refuses a reference without both classes', () => {
    expect(() => fitCbpe([{ score: 0.2, predicted: false, truth: false }])).toThrow(expect.objectContaining({ code: 'STATS_INVALID_ARGUMENT' }));
  });
});
