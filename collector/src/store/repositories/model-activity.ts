import type { ClickHouseStore } from '../ClickHouseStore.js';
import { modelFilter, type ModelScope } from './SqlFilter.js';

/** A model version's activity: first and last prediction (event time) and last arrival, Unix ms as text. */
export interface ModelVersionActivity {
  ModelName: string;
  ModelVersion: string;
  FirstMs: string;
  LastMs: string;
  ReceivedMs: string;
}

/** Every model version of a project (optionally of one model) with its activity, by model and version. */
export function readModelActivity(store: ClickHouseStore, scope: Omit<ModelScope, 'version'>): Promise<ModelVersionActivity[]> {
  const filter = modelFilter(scope);
  return store.query<ModelVersionActivity>(
    `SELECT ModelName, ModelVersion, toString(toUnixTimestamp64Milli(min(FirstTimestamp))) AS FirstMs,
            toString(toUnixTimestamp64Milli(max(LastTimestamp))) AS LastMs, toString(toUnixTimestamp64Milli(max(LastReceivedAt))) AS ReceivedMs
     FROM model_activity WHERE ${filter.where()}
     GROUP BY ModelName, ModelVersion ORDER BY ModelName, ModelVersion LIMIT 10000`,
    filter.params,
  );
}

/** A stream of predictions: one model version of one project. */
export interface Stream {
  project: string;
  model: string;
  version: string;
}

/** Every stream that has predictions, by project, model and version. */
export async function listStreams(store: ClickHouseStore): Promise<Stream[]> {
  const rows = await store.query<{ Project: string; ModelName: string; ModelVersion: string }>(
    'SELECT DISTINCT Project, ModelName, ModelVersion FROM model_activity ORDER BY Project, ModelName, ModelVersion',
  );
  return rows.map((s) => ({ project: s.Project, model: s.ModelName, version: s.ModelVersion }));
}

/** The streams of one model (every version, or `version` only when given), by project and version. */
export async function streamsOfModel(store: ClickHouseStore, model: string, version: string | undefined): Promise<Stream[]> {
  const rows = await store.query<{ Project: string; ModelVersion: string }>(
    `SELECT DISTINCT Project, ModelVersion FROM model_activity
     WHERE ModelName = {model:String} AND ({version:String} = '' OR ModelVersion = {version:String})
     ORDER BY Project, ModelVersion`,
    { model, version: version ?? '' },
  );
  return rows.map((s) => ({ project: s.Project, model, version: s.ModelVersion }));
}

/** Each model's last prediction arrival (Unix ms), over its versions, for models that sent one since `sinceMs`. */
export async function lastArrivals(store: ClickHouseStore, sinceMs: number): Promise<Array<{ project: string; model: string; lastMs: number }>> {
  const rows = await store.query<{ Project: string; ModelName: string; last: string }>(
    `SELECT Project, ModelName, toString(toUnixTimestamp64Milli(max(LastReceivedAt))) AS last FROM model_activity
     GROUP BY Project, ModelName HAVING max(LastReceivedAt) >= fromUnixTimestamp64Milli({from:Int64})`,
    { from: sinceMs },
  );
  return rows.map((r) => ({ project: r.Project, model: r.ModelName, lastMs: Number(r.last) }));
}
