import type { ClickHouseStore } from '../ClickHouseStore.js';
import { segmentWhere, WINDOW_BOUNDS_SQL, windowResultWhere, type SegmentFilter, type WindowBoundsRow, type WindowResultFilter } from './window-results.js';

/** Which data-quality measures: a model's windows, optionally one column, one metric, only those above 0. */
export interface DataQualityFilter extends WindowResultFilter, SegmentFilter {
  feature?: string | undefined;
  metric?: string | undefined;
  nonZero?: boolean | undefined;
}

/** A `data_quality_results` row as read. */
export interface StoredDataQualityResult extends WindowBoundsRow {
  ModelVersion: string;
  Segment: string;
  Source: string;
  Feature: string;
  Metric: string;
  Value: number | string;
  Count: number | string;
  ReferenceId: string;
}

/** Data-quality measures per closed drift window, oldest first. */
export function readDataQualityResults(store: ClickHouseStore, f: DataQualityFilter): Promise<StoredDataQualityResult[]> {
  const filter = segmentWhere(windowResultWhere(f), f).add('Feature = {feature:String}', 'feature', f.feature).add('Metric = {metric:String}', 'metric', f.metric);
  if (f.nonZero) filter.addRaw('Value > 0');
  return store.query<StoredDataQualityResult>(
    `SELECT ModelVersion, Segment, ${WINDOW_BOUNDS_SQL},
            Source, Feature, Metric, Value, Count, ReferenceId
     FROM data_quality_results FINAL WHERE ${filter.where()}
     ORDER BY WindowStart, ModelVersion, Segment, Source, Feature, Metric LIMIT {limit:UInt32}`,
    filter.params,
  );
}
