import { describe, expect, it } from 'vitest';
import { classificationFromConfusion, logLossFromGroups, rocAucFromGroups, type ScoreGroup } from './classification-metrics.js';
import { regressionFromSums, summarizeRegression } from './regression-metrics.js';
import { isClose, loadFixture } from './internal/test-helpers.js';

interface QualityFixture {
  classification: Array<{
    truth: string[];
    predicted: string[];
    accuracy: number;
    classes: Record<string, { precision: number; recall: number; f1: number; support: number }>;
    macro: { precision: number; recall: number; f1: number };
  }>;
  binary: Array<{ labels: number[]; scores: number[]; rocAuc: number; logLoss: number }>;
  regression: Array<{ truth: number[]; predicted: number[]; mae: number; rmse: number; mape: number }>;
}

const fixture = loadFixture<QualityFixture>('quality.json');
const close = (actual: number, expected: number) => expect(isClose(actual, expected, 1e-12, 1e-15), `${actual} vs ${expected}`).toBe(true);

function groups(labels: number[], scores: number[]): ScoreGroup[] {
  const by = new Map<number, ScoreGroup>();
  labels.forEach((y, i) => {
    const g = by.get(scores[i]!) ?? { score: scores[i]!, positives: 0, negatives: 0 };
    if (y === 1) g.positives++;
    else g.negatives++;
    by.set(scores[i]!, g);
  });
  return [...by.values()];
}

describe('classificationFromConfusion (numpy reference)', () => {
  it.each(fixture.classification.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const cells = c.truth.map((t, i) => ({ truth: t, predicted: c.predicted[i]!, count: 1 }));
    const m = classificationFromConfusion(cells);
    expect(m.rows).toBe(c.truth.length);
    close(m.accuracy, c.accuracy);
    expect(Object.keys(m.classes)).toEqual(Object.keys(c.classes).sort());
    for (const [name, e] of Object.entries(c.classes)) {
      close(m.classes[name]!.precision, e.precision);
      close(m.classes[name]!.recall, e.recall);
      close(m.classes[name]!.f1, e.f1);
      expect(m.classes[name]!.support).toBe(e.support);
    }
    close(m.macro.precision, c.macro.precision);
    close(m.macro.recall, c.macro.recall);
    close(m.macro.f1, c.macro.f1);
  });

  it('is NaN without rows', () => {
    expect(classificationFromConfusion([]).accuracy).toBeNaN();
    expect(classificationFromConfusion([]).macro.f1).toBeNaN();
  });
});

describe('rocAucFromGroups and logLossFromGroups (scipy Mann-Whitney U, numpy)', () => {
  it.each(fixture.binary.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const g = groups(c.labels, c.scores);
    close(rocAucFromGroups(g), c.rocAuc);
    close(logLossFromGroups(g), c.logLoss);
    // Grouping is only a compression: one group per row gives the same answer.
    close(rocAucFromGroups(c.labels.map((y, i) => ({ score: c.scores[i]!, positives: y, negatives: 1 - y }))), c.rocAuc);
  });

  it('is NaN with one class only or no rows', () => {
    expect(rocAucFromGroups([{ score: 0.3, positives: 4, negatives: 0 }])).toBeNaN();
    expect(logLossFromGroups([])).toBeNaN();
  });
});

describe('regression metrics (numpy reference)', () => {
  it.each(fixture.regression.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const m = regressionFromSums(summarizeRegression(c.truth, c.predicted));
    expect(m.rows).toBe(c.truth.length);
    close(m.mae, c.mae);
    close(m.rmse, c.rmse);
    close(m.mape, c.mape);
  });

  it('is NaN without rows; MAPE NaN when every truth is 0', () => {
    expect(regressionFromSums(summarizeRegression([], [])).mae).toBeNaN();
    expect(regressionFromSums(summarizeRegression([0, 0], [1, 2])).mape).toBeNaN();
  });
});
