import type { ClickHouseStore } from '../ClickHouseStore.js';
import { JOB_CHECKPOINTS } from '../schema/job-checkpoints.js';
import type { Stream } from './model-activity.js';

const STREAM = 'Project = {project:String} AND ModelName = {model:String} AND ModelVersion = {version:String}';

/** A job's checkpoint of a stream (the end of its newest closed window, Unix ms); undefined before the first. */
export async function readCheckpoint(store: ClickHouseStore, job: string, stream: Stream): Promise<number | undefined> {
  const [row] = await store.query<{ end: string | number }>(
    `SELECT toUnixTimestamp64Milli(WindowEnd) AS end FROM job_checkpoints FINAL WHERE Job = {job:String} AND ${STREAM}`,
    { job, project: stream.project, model: stream.model, version: stream.version },
  );
  return row ? Number(row.end) : undefined;
}

/** Two jobs' checkpoints of one stream in one query (Unix ms, null when absent), e.g. a job's and its scan mark's. */
export async function readCheckpointPair(store: ClickHouseStore, jobs: readonly [string, string], stream: Stream): Promise<[number | null, number | null]> {
  const [row] = await store.query<{ a: string | number | null; b: string | number | null }>(
    `SELECT (SELECT toUnixTimestamp64Milli(WindowEnd) FROM job_checkpoints FINAL WHERE Job = {a:String} AND ${STREAM}) AS a,
            (SELECT toUnixTimestamp64Milli(WindowEnd) FROM job_checkpoints FINAL WHERE Job = {b:String} AND ${STREAM}) AS b`,
    { a: jobs[0], b: jobs[1], project: stream.project, model: stream.model, version: stream.version },
  );
  const n = (x: string | number | null | undefined) => (x === null || x === undefined ? null : Number(x));
  return [n(row?.a), n(row?.b)];
}

/** Records `endMs` as a job's checkpoint of a stream (the newest row wins). */
export function writeCheckpoint(store: ClickHouseStore, job: string, stream: Stream, endMs: number): Promise<void> {
  return store.insert(JOB_CHECKPOINTS, [{ Job: job, Project: stream.project, ModelName: stream.model, ModelVersion: stream.version, WindowEnd: endMs }]);
}
