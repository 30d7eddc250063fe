import type { FeatureProfile, ProfileSource } from './feature-profile.js';
import { bucketUpper, BUCKET_GAMMA, ZERO_LIMIT } from './log-buckets.js';

/** One data-quality measure of one column in one window. */
export interface QualityMeasure {
  source: ProfileSource;
  feature: string;
  /**
   * - `missing_rate`: share of the window's rows without a value for the column;
   * - `type_mismatch_rate`: share of rows whose value has the other type than in the reference
   *   (a string where the reference holds numbers, or the reverse);
   * - `out_of_range_rate`: share of the column's numeric values outside the reference's [min, max];
   * - `unseen_category_rate`: share of the column's categorical values never seen in the reference;
   * - `appeared`: 1 for a column the reference does not have;
   * - `disappeared`: 1 for a reference column absent from a non-empty window.
   */
  metric: 'missing_rate' | 'type_mismatch_rate' | 'out_of_range_rate' | 'unseen_category_rate' | 'appeared' | 'disappeared';
  value: number;
  /** Values the rate is over (rows for missing and type mismatch, values for the others). */
  count: number;
}

/** The lowest value bucket `b` can hold. */
function bucketLower(b: number): number {
  if (b === 0) return -ZERO_LIMIT;
  if (b > 0) return b === 2000 - 1500 ? ZERO_LIMIT : bucketUpper(b) / BUCKET_GAMMA;
  return bucketUpper(b) * BUCKET_GAMMA;
}

/**
 * Data-quality measures of a window against the reference, from the same profiles the drift
 * job computes (no extra pass over the rows). `out_of_range_rate` counts only buckets lying
 * wholly outside the reference range, so it can miss values within 2% (relative) of the
 * reference's min or max: a lower bound.
 */
export function dataQuality(reference: FeatureProfile, current: FeatureProfile): QualityMeasure[] {
  const out: QualityMeasure[] = [];
  const rows = current.rows;
  if (rows === 0) return out;
  for (const source of ['feature', 'output'] as const) {
    const refNumeric = reference.numeric[source];
    const refCategorical = reference.categorical[source];
    const curNumeric = current.numeric[source];
    const curCategorical = current.categorical[source];
    const known = new Set([...Object.keys(refNumeric), ...Object.keys(refCategorical)]);
    for (const name of known) {
      const numericInRef = name in refNumeric;
      const sameType = numericInRef ? (curNumeric[name]?.total ?? 0) : (curCategorical[name]?.total ?? 0);
      const otherType = numericInRef ? (curCategorical[name]?.total ?? 0) : (curNumeric[name]?.total ?? 0);
      const present = sameType + otherType;
      out.push({ source, feature: name, metric: 'missing_rate', value: Math.max(0, rows - present) / rows, count: rows });
      out.push({ source, feature: name, metric: 'type_mismatch_rate', value: otherType / rows, count: rows });
      if (present === 0) out.push({ source, feature: name, metric: 'disappeared', value: 1, count: rows });
      if (numericInRef && curNumeric[name] && curNumeric[name].total > 0) {
        const ref = refNumeric[name]!;
        let outside = 0;
        for (const [id, n] of Object.entries(curNumeric[name].buckets)) {
          const b = Number(id);
          if ((ref.min !== null && bucketUpper(b) < ref.min) || (ref.max !== null && bucketLower(b) > ref.max)) outside += n;
        }
        out.push({ source, feature: name, metric: 'out_of_range_rate', value: outside / curNumeric[name].total, count: curNumeric[name].total });
      }
      if (!numericInRef && curCategorical[name] && curCategorical[name].total > 0) {
        const seen = refCategorical[name]!.counts;
        let unseen = 0;
        for (const [value, n] of Object.entries(curCategorical[name].counts)) if (!(value in seen)) unseen += n;
        out.push({ source, feature: name, metric: 'unseen_category_rate', value: unseen / curCategorical[name].total, count: curCategorical[name].total });
      }
    }
    for (const name of new Set([...Object.keys(curNumeric), ...Object.keys(curCategorical)])) {
      if (!known.has(name)) out.push({ source, feature: name, metric: 'appeared', value: 1, count: rows });
    }
  }
  return out;
}
