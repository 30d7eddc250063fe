import type { ClickHouseStore } from '../ClickHouseStore.js';

/** The newest feedback of a prediction (the one the quality job counts), as read. */
export interface StoredFeedback {
  PredictionId: string;
  /** Event time, Unix ns text. */
  timeUnixNano: string;
  ModelName: string;
  ModelVersion: string;
  Label: string;
  Value: number | string | null;
  Attributes: Record<string, string>;
  /** Arrival of the newest feedback, Unix ms text. */
  receivedMs: string;
}

/** The newest feedback of each prediction id the WHERE condition on `feedback` selects. */
const NEWEST_FEEDBACK_SQL = (where: string) =>
  `SELECT PredictionId, toString(toUnixTimestamp64Nano(argMax(Timestamp, ReceivedAt))) AS timeUnixNano, argMax(ModelName, ReceivedAt) AS ModelName,
          argMax(ModelVersion, ReceivedAt) AS ModelVersion, argMax(Label, ReceivedAt) AS Label, argMax(Value, ReceivedAt) AS Value,
          argMax(Attributes, ReceivedAt) AS Attributes, toString(toUnixTimestamp64Milli(max(ReceivedAt))) AS receivedMs
   FROM feedback WHERE ${where} GROUP BY PredictionId`;

/** The newest feedback of one prediction (none while its truth has not arrived). */
export function newestFeedbackOf(store: ClickHouseStore, project: string, predictionId: string): Promise<StoredFeedback[]> {
  return store.query<StoredFeedback>(NEWEST_FEEDBACK_SQL('Project = {project:String} AND PredictionId = {predictionId:String}'), { project, predictionId });
}

/** The newest feedback of each prediction recorded in a trace. */
export function newestFeedbackOfTrace(store: ClickHouseStore, project: string, traceId: string): Promise<StoredFeedback[]> {
  return store.query<StoredFeedback>(
    NEWEST_FEEDBACK_SQL('Project = {project:String} AND PredictionId IN (SELECT PredictionId FROM predictions WHERE Project = {project:String} AND TraceId = {traceId:String})'),
    { project, traceId },
  );
}

/** The newest arrival of feedback for a project, Unix ms (0 without any). */
export async function latestFeedbackArrival(store: ClickHouseStore, project: string): Promise<number> {
  const [latest] = await store.query<{ t: string | number }>(`SELECT toUnixTimestamp64Milli(max(ReceivedAt)) AS t FROM feedback WHERE Project = {project:String}`, { project });
  return Number(latest?.t ?? 0);
}
