import type { ClickHouseStore } from '../ClickHouseStore.js';
import { segmentWhere, WINDOW_BOUNDS_SQL, windowResultWhere, type SegmentFilter, type WindowBoundsRow, type WindowResultFilter } from './window-results.js';

/** Which drift results: a model's windows, optionally one column, one source, drifted or not. */
export interface DriftResultsFilter extends WindowResultFilter, SegmentFilter {
  /** A column name, or `*` for the data-set rows. */
  feature?: string | undefined;
  source?: string | undefined;
  drifted?: boolean | undefined;
}

/** A `drift_results` row as read (latest computation of its window). */
export interface StoredDriftResult extends WindowBoundsRow {
  ModelName: string;
  ModelVersion: string;
  Segment: string;
  Source: string;
  Feature: string;
  Kind: string;
  Method: string;
  Statistic: number | string;
  PValue: number | string | null;
  Threshold: number | string;
  Drifted: number;
  Status: string;
  ReferenceRows: string | number;
  CurrentRows: string | number;
  Metrics: string;
  ReferenceId: string;
}

/** Drift results per closed window, oldest window first. */
export function readDriftResults(store: ClickHouseStore, f: DriftResultsFilter): Promise<StoredDriftResult[]> {
  const filter = segmentWhere(windowResultWhere(f), f)
    .add('Feature = {feature:String}', 'feature', f.feature)
    .add('Source = {source:String}', 'source', f.source)
    .add('Drifted = {drifted:UInt8}', 'drifted', f.drifted === undefined ? undefined : f.drifted ? 1 : 0);
  return store.query<StoredDriftResult>(
    `SELECT ModelName, ModelVersion, Segment, ${WINDOW_BOUNDS_SQL},
            Source, Feature, Kind, Method, Statistic, PValue, Threshold, Drifted, Status, ReferenceRows, CurrentRows, Metrics, ReferenceId
     FROM drift_results FINAL WHERE ${filter.where()}
     ORDER BY WindowStart, ModelVersion, Segment, Source, Feature LIMIT {limit:UInt32}`,
    filter.params,
  );
}
