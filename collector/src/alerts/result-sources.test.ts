import { describe, expect, it } from 'vitest';
import { sampleRows } from '../../../test/helpers/table-rows.js';
import { DRIFT_RESULTS } from '../store/schema/drift-results.js';
import { DRIFT_SOURCE, samplesOf } from './result-sources.js';

describe('samplesOf', () => {
  const base = { ...sampleRows(DRIFT_RESULTS, 1)[0]!, Project: 'p', ModelName: 'm', ModelVersion: 'v1', WindowEnd: 60_000, Source: 'feature', Feature: 'x', Method: 'psi' };

  it('turns each row into labels and metrics; flags are 0/1, non-finite values are not measured, as when they were read back from the table', () => {
    const rows = [
      { ...base, Statistic: 0.3, PValue: null, Threshold: 0.2, Drifted: true, CurrentRows: 40 },
      { ...base, Feature: 'y', Statistic: Infinity, PValue: NaN, Threshold: -Infinity, Drifted: false },
    ];
    expect(samplesOf(DRIFT_SOURCE, rows, 60_000, { project: 'p', model: 'm', version: 'v1' })).toEqual([
      { labels: { project: 'p', model: 'm', version: 'v1', source: 'feature', feature: 'x', method: 'psi' }, metrics: { statistic: 0.3, drifted: 1, p_value: null, threshold: 0.2, rows: 40 } },
      { labels: { project: 'p', model: 'm', version: 'v1', source: 'feature', feature: 'y', method: 'psi' }, metrics: { statistic: null, drifted: 0, p_value: null, threshold: null, rows: base.CurrentRows } },
    ]);
  });

  it('leaves out rows of another window or outside the scope; labels the source does not have do not scope', () => {
    const rows = [base, { ...base, WindowEnd: 0 }, { ...base, ModelVersion: 'v2' }, { ...base, Project: 'q' }];
    expect(samplesOf(DRIFT_SOURCE, rows, 60_000, { project: 'p', model: 'm', version: 'v1', slo: 'latency' })).toHaveLength(1);
    expect(samplesOf(DRIFT_SOURCE, rows, 60_000, { project: 'p', model: 'm', version: 'v1', feature: 'other' })).toHaveLength(0);
  });
});
