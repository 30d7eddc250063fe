import type { ClickHouseStore } from '../ClickHouseStore.js';
import { WINDOW_BOUNDS_SQL, windowResultWhere, type WindowBoundsRow, type WindowResultFilter } from './window-results.js';

/*
 * The segments of a model, read from its per-segment results (`drift_results`, `quality_results`,
 * rows whose `Segment` is not '' : the whole windows' rows are left out): per model version and
 * segment, how many windows in the range have results and the newest one's figures, so a reader
 * can see which segment drives a model's drift. Values travel only as query parameters.
 */

/** Most (version, segment) pairs answered by each read. */
const MAX_SEGMENTS = 10000;

/** A segment's drift in the range: its windows and its newest window's columns. */
export interface SegmentDriftSummary extends WindowBoundsRow {
  ModelVersion: string;
  Segment: string;
  /** Windows of the segment with drift results in the range. */
  windows: string | number;
  /** Of those, the windows where at least one column (feature or output) drifted. */
  driftedWindows: string | number;
  /** Columns (features and outputs) compared in the newest window. */
  columns: string | number;
  /** Of those, the columns that drifted. */
  driftedColumns: string | number;
  /** The newest window's data-set row: the share of its inputs that drifted; null without one. */
  datasetShare: string | number | null;
}

/** Per model version and segment, its drift windows in the range and its newest window's figures, by version and segment. */
export function readSegmentDrift(store: ClickHouseStore, f: WindowResultFilter): Promise<SegmentDriftSummary[]> {
  const filter = windowResultWhere({ ...f, limit: MAX_SEGMENTS }).addRaw("Segment != ''");
  const column = "Source IN ('feature', 'output')";
  return store.query<SegmentDriftSummary>(
    `SELECT ModelVersion, Segment, ${WINDOW_BOUNDS_SQL}, windows, driftedWindows, columns, driftedColumns, datasetShare FROM (
       SELECT *, count() OVER bySegment AS windows, countIf(driftedColumns > 0) OVER bySegment AS driftedWindows,
              row_number() OVER (PARTITION BY ModelVersion, Segment ORDER BY WindowStart DESC) AS newest
       FROM (
         SELECT ModelVersion, Segment, WindowStart, any(WindowEnd) AS WindowEnd,
                countIf(${column}) AS columns, countIf(${column} AND Drifted = 1) AS driftedColumns,
                if(countIf(Source = 'dataset') > 0, maxIf(Statistic, Source = 'dataset'), NULL) AS datasetShare
         FROM drift_results FINAL WHERE ${filter.where()}
         GROUP BY ModelVersion, Segment, WindowStart)
       WINDOW bySegment AS (PARTITION BY ModelVersion, Segment))
     WHERE newest = 1 ORDER BY ModelVersion, Segment LIMIT {limit:UInt32}`,
    filter.params,
  );
}

/** A segment's quality in the range: its windows and its newest window with feedback. */
export interface SegmentQualitySummary extends WindowBoundsRow {
  ModelVersion: string;
  Segment: string;
  /** Windows of the segment with quality results in the range. */
  windows: string | number;
  /** Of those, the windows with at least one labelled prediction. */
  labelledWindows: string | number;
  Predictions: string | number;
  Labelled: string | number;
  Accuracy: string | number | null;
  RocAuc: string | number | null;
  Mae: string | number | null;
  Rmse: string | number | null;
}

/**
 * Per model version and segment, its quality windows in the range and its newest window with
 * labelled predictions (the newest window when none has any), by version and segment.
 */
export function readSegmentQuality(store: ClickHouseStore, f: WindowResultFilter): Promise<SegmentQualitySummary[]> {
  const filter = windowResultWhere({ ...f, limit: MAX_SEGMENTS }).addRaw("Segment != ''");
  return store.query<SegmentQualitySummary>(
    `SELECT ModelVersion, Segment, ${WINDOW_BOUNDS_SQL}, windows, labelledWindows, Predictions, Labelled, Accuracy, RocAuc, Mae, Rmse FROM (
       SELECT ModelVersion, Segment, WindowStart, WindowEnd, Predictions, Labelled, Accuracy, RocAuc, Mae, Rmse,
              count() OVER bySegment AS windows, countIf(Labelled > 0) OVER bySegment AS labelledWindows,
              row_number() OVER (PARTITION BY ModelVersion, Segment ORDER BY Labelled > 0 DESC, WindowStart DESC) AS newest
       FROM quality_results FINAL WHERE ${filter.where()}
       WINDOW bySegment AS (PARTITION BY ModelVersion, Segment))
     WHERE newest = 1 ORDER BY ModelVersion, Segment LIMIT {limit:UInt32}`,
    filter.params,
  );
}
