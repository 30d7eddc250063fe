import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { compareProfiles, type ColumnDrift, type CompareOptions } from './compare-profiles.js';
import { profileScope, type FeatureProfile } from './feature-profile.js';

/** Options of a {@link DriftJob}. */
export interface DriftJobOptions {
  /** Event-time window length. @default 3600000 (1 h) */
  windowMs: number;
  /** A window closes once the newest event time of its stream passes its end by this much. @default 300000 */
  allowedLatenessMs: number;
  /** Statistic options. */
  compare?: CompareOptions;
  /** Called after each closed window's results are written. */
  onWindow?: (window: ClosedWindow) => void;
}

/** One model version's stream of predictions, with the reference it is compared to. */
export interface DriftStream {
  project: string;
  model: string;
  version: string;
  referenceId: string;
  profile: FeatureProfile;
}

/** A window the job has closed. */
export interface ClosedWindow {
  project: string;
  model: string;
  version: string;
  windowStartMs: number;
  windowEndMs: number;
  rows: number;
  results: ColumnDrift[];
}

const JOB = 'drift';

/** Milliseconds since the epoch as the decimal-seconds text ClickHouse parses into DateTime64(3). */
function ms64(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${s}.${String(ms - s * 1000).padStart(3, '0')}`;
}

const STREAM_WHERE = 'Project = {project:String} AND ModelName = {model:String} AND ModelVersion = {version:String}';

/**
 * The streaming drift job. For every model version that has a reference profile it closes
 * event-time windows in order once the watermark (newest event time seen minus the allowed
 * lateness) passes their end, profiles the window in ClickHouse, compares it with the
 * reference in TypeScript (`@inferlens/stats`), writes the results to `drift_results` and
 * then the checkpoint to `job_checkpoints`. Results are keyed by stream, window, source and
 * feature in a ReplacingMergeTree, so a window recomputed after a crash between the two
 * writes replaces its earlier rows: a restart neither skips nor repeats a window.
 */
export class DriftJob {
  readonly #store: ClickHouseStore;
  readonly #opts: DriftJobOptions;
  readonly #profiles = new Map<string, FeatureProfile>();
  #running: Promise<number> | undefined;

  constructor(store: ClickHouseStore, options: DriftJobOptions) {
    this.#store = store;
    this.#opts = options;
  }

  /** Closes every window that is ready; resolves with how many. Concurrent calls share one run. */
  runOnce(): Promise<number> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Waits for a run in progress, if any. */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #run(): Promise<number> {
    let closed = 0;
    for (const stream of await this.#streams()) closed += await this.#advance(stream);
    return closed;
  }

  async #streams(): Promise<DriftStream[]> {
    const rows = await this.#store.query<{ Project: string; ModelName: string; ModelVersion: string; ReferenceId: string; Profile: string }>(
      `SELECT Project, ModelName, ModelVersion, ReferenceId, Profile FROM reference_profiles FINAL WHERE Deleted = 0`,
    );
    return rows.map((r) => {
      let profile = this.#profiles.get(r.ReferenceId);
      if (!profile) {
        profile = JSON.parse(r.Profile) as FeatureProfile;
        this.#profiles.set(r.ReferenceId, profile);
      }
      return { project: r.Project, model: r.ModelName, version: r.ModelVersion, referenceId: r.ReferenceId, profile };
    });
  }

  async #advance(stream: DriftStream): Promise<number> {
    const { windowMs, allowedLatenessMs } = this.#opts;
    const params = { project: stream.project, model: stream.model, version: stream.version };
    const [checkpoint] = await this.#store.query<{ end: string | number }>(
      `SELECT toUnixTimestamp64Milli(WindowEnd) AS end FROM job_checkpoints FINAL WHERE Job = {job:String} AND ${STREAM_WHERE}`,
      { ...params, job: JOB },
    );
    // Only rows at or after the checkpoint are read, so this stays proportional to new data.
    const from = checkpoint ? Number(checkpoint.end) : 0;
    const [span] = await this.#store.query<{ n: string | number; minTs: string | number; maxTs: string | number }>(
      `SELECT count() AS n, toUnixTimestamp64Milli(min(Timestamp)) AS minTs, toUnixTimestamp64Milli(max(Timestamp)) AS maxTs
       FROM predictions WHERE ${STREAM_WHERE} AND Timestamp >= fromUnixTimestamp64Milli({from:Int64})`,
      { ...params, from },
    );
    if (!span || Number(span.n) === 0) return 0;
    const watermark = Number(span.maxTs) - allowedLatenessMs;
    let start = Math.floor((checkpoint ? Math.max(from, Number(span.minTs)) : Number(span.minTs)) / windowMs) * windowMs;
    if (checkpoint && start < from) start = from;
    let closed = 0;
    while (start + windowMs <= watermark) {
      const end = start + windowMs;
      const current = await profileScope(this.#store, {
        table: 'predictions',
        where: `${STREAM_WHERE} AND Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp < fromUnixTimestamp64Milli({to:Int64})`,
        params: { ...params, from: start, to: end },
      });
      if (current.rows > 0) {
        const results = compareProfiles(stream.profile, current, this.#opts.compare);
        await this.#writeResults(stream, start, end, results);
        this.#opts.onWindow?.({ ...params, windowStartMs: start, windowEndMs: end, rows: current.rows, results });
        closed++;
      }
      await this.#writeCheckpoint(stream, end);
      if (current.rows === 0) {
        // Skip a gap in the traffic in one step instead of window by window.
        const [next] = await this.#store.query<{ n: string | number; t: string | number }>(
          `SELECT count() AS n, toUnixTimestamp64Milli(min(Timestamp)) AS t FROM predictions WHERE ${STREAM_WHERE} AND Timestamp >= fromUnixTimestamp64Milli({from:Int64})`,
          { ...params, from: end },
        );
        start = next && Number(next.n) > 0 ? Math.max(end, Math.floor(Number(next.t) / windowMs) * windowMs) : end;
      } else {
        start = end;
      }
    }
    return closed;
  }

  async #writeResults(stream: DriftStream, start: number, end: number, results: ColumnDrift[]): Promise<void> {
    const lines = results.map((r) =>
      JSON.stringify([
        stream.project, stream.model, stream.version, ms64(start), ms64(end), r.source, r.feature, r.kind, r.method,
        finite(r.statistic), r.pValue === null || !Number.isFinite(r.pValue) ? null : r.pValue, finite(r.threshold),
        r.drifted ? 1 : 0, r.status, r.referenceRows, r.currentRows, JSON.stringify(r.metrics, jsonSafe), stream.referenceId,
      ]),
    );
    await this.#store.insertCompactJson('drift_results', DRIFT_COLUMNS, lines.join('\n'));
  }

  async #writeCheckpoint(stream: DriftStream, end: number): Promise<void> {
    await this.#store.insertCompactJson(
      'job_checkpoints',
      ['Job', 'Project', 'ModelName', 'ModelVersion', 'WindowEnd'],
      JSON.stringify([JOB, stream.project, stream.model, stream.version, ms64(end)]),
    );
  }
}

const DRIFT_COLUMNS = [
  'Project', 'ModelName', 'ModelVersion', 'WindowStart', 'WindowEnd', 'Source', 'Feature', 'Kind', 'Method',
  'Statistic', 'PValue', 'Threshold', 'Drifted', 'Status', 'ReferenceRows', 'CurrentRows', 'Metrics', 'ReferenceId',
];

/** ClickHouse Float64 takes no NaN/Infinity in JSON input: store them as the nearest representable meaning. */
function finite(x: number): number | string {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

/** JSON.stringify replacer keeping NaN and ±Infinity visible as strings instead of `null`. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}
