import { describe, expect, it } from 'vitest';
import { sampleRows } from '../../../test/helpers/table-rows.js';
import { DRIFT_RESULTS } from '../store/schema/drift-results.js';
import { DRIFT_SOURCE, samplesOf } from './result-sources.js';

describe('samplesOf', () => {
  const base = { ...sampleRows(DRIFT_RESULTS, 1)[0]!, Project: 'p', ModelName: 'm', ModelVersion: 'v1', Segment: '', WindowEnd: 60_000, Source: 'feature', Feature: 'x', Method: 'psi' };

  it('turns each row into labels and metrics; flags are 0/1, non-finite values are not measured, as when they were read back from the table', () => {
    const rows = [
      { ...base, Statistic: 0.3, PValue: null, Threshold: 0.2, Drifted: true, CurrentRows: 40, Metrics: JSON.stringify({ ks: { statistic: 0.2, pValue: 0.004 }, psi: 0.3 }) },
      { ...base, Feature: 'y', Statistic: Infinity, PValue: NaN, Threshold: -Infinity, Drifted: false, Metrics: '{}' },
    ];
    expect(samplesOf(DRIFT_SOURCE, rows, 60_000, { project: 'p', model: 'm', version: 'v1' })).toEqual([
      { labels: { project: 'p', model: 'm', version: 'v1', segment: '', source: 'feature', feature: 'x', method: 'psi' }, metrics: { statistic: 0.3, drifted: 1, p_value: null, test_p_value: 0.004, threshold: 0.2, rows: 40 } },
      { labels: { project: 'p', model: 'm', version: 'v1', segment: '', source: 'feature', feature: 'y', method: 'psi' }, metrics: { statistic: null, drifted: 0, p_value: null, test_p_value: null, threshold: null, rows: base.CurrentRows } },
    ]);
  });

  it('test_p_value: the deciding test\'s p-value, else the KS or chi-square p-value computed beside the distance; none for data-set rows', () => {
    const p = (row: Partial<typeof base>) => samplesOf(DRIFT_SOURCE, [{ ...base, ...row }], 60_000, {})[0]!.metrics.test_p_value;
    expect(p({ Method: 'ks', PValue: 0.2, Metrics: JSON.stringify({ ks: { pValue: 0.2 } }) })).toBe(0.2);
    expect(p({ PValue: null, Metrics: JSON.stringify({ chiSquare: { pValue: 0.03 }, jensenShannon: 0.2 }) })).toBe(0.03);
    expect(p({ Source: 'dataset', Feature: '*', PValue: null, Metrics: JSON.stringify({ comparedFeatures: 3 }) })).toBeNull();
    expect(p({ PValue: null, Metrics: 'not json' })).toBeNull();
  });

  it('leaves out rows of another window or outside the scope; labels the source does not have do not scope', () => {
    const rows = [base, { ...base, WindowEnd: 0 }, { ...base, ModelVersion: 'v2' }, { ...base, Project: 'q' }];
    expect(samplesOf(DRIFT_SOURCE, rows, 60_000, { project: 'p', model: 'm', version: 'v1', slo: 'latency' })).toHaveLength(1);
    expect(samplesOf(DRIFT_SOURCE, rows, 60_000, { project: 'p', model: 'm', version: 'v1', feature: 'other' })).toHaveLength(0);
  });
});
