import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { SharedRunJob, type JobRunOptions } from './SharedRun.js';
import type { RunReport } from './JobUnits.js';
import { compareProfiles, type ColumnDrift, type CompareOptions } from './compare-profiles.js';
import { profileWindow, type FeatureProfile } from './feature-profile.js';
import { listAllReferences } from '../store/repositories/reference-profiles.js';
import { advanceWindows, type WindowTiming } from './event-windows.js';
import { dataQuality, type QualityMeasure } from './data-quality.js';
import { driftSettingsFor, type DriftModelConfig, type MultivariateConfig } from '../config.js';
import { fitReferenceReconstruction, multivariateWindow, type FittedReconstruction } from './multivariate-drift.js';
import type { StoredReference } from '../store/repositories/reference-profiles.js';
import type { ReferenceRows } from '../store/repositories/reconstruction-errors.js';
import { DATA_QUALITY_RESULTS } from '../store/schema/data-quality-results.js';
import { DRIFT_RESULTS, type DriftResultRow } from '../store/schema/drift-results.js';

/** Options of a {@link DriftJob}. */
export interface DriftJobOptions extends WindowTiming, JobRunOptions {
  /** Statistic options for every model. */
  compare?: CompareOptions;
  /** Per-model methods and thresholds (`drift.models`), layered over `compare`. */
  models?: readonly DriftModelConfig[];
  /** Called after each closed window's results are written, with them (for alert evaluation). */
  onWindow?: (window: ClosedWindow) => void;
}

/** One model version's stream of predictions, with the reference it is compared to. */
export interface DriftStream {
  project: string;
  model: string;
  version: string;
  referenceId: string;
  profile: FeatureProfile;
  /** Where the reference's rows are (the multivariate model is fitted on them). */
  referenceRows: ReferenceRows;
}

/** A model version with a reference, as listed: its profile is read in its own unit of work. */
interface ReferencedVersion {
  project: string;
  model: string;
  version: string;
  referenceId: string;
  profileJson: string;
  referenceRows: ReferenceRows;
}

/** Where a stored reference's rows are. */
function rowsOf(r: StoredReference): ReferenceRows {
  if (r.kind === 'pinned' && r.sourceFromMs !== null && r.sourceToMs !== null) {
    return { kind: 'pinned', project: r.project, model: r.model, version: r.sourceVersion, fromMs: r.sourceFromMs, toMs: r.sourceToMs };
  }
  return { kind: 'dataset', project: r.project, referenceId: r.referenceId };
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
  /** Data-quality measures of the window against the reference. */
  quality: QualityMeasure[];
  /** The `drift_results` rows written for the window. */
  resultRows: DriftResultRow[];
}

const JOB = 'drift';

/**
 * The streaming drift job. For every model version that has a reference profile it closes
 * event-time windows in order once the watermark (newest event time seen minus the allowed
 * lateness) passes their end, profiles the window in ClickHouse, compares it with the
 * reference in TypeScript (`@inferlens/stats`), writes the results to `drift_results` and
 * then the checkpoint to `job_checkpoints`. Results are keyed by stream, window, source and
 * feature in a ReplacingMergeTree, so a window recomputed after a crash between the two
 * writes replaces its earlier rows: a restart neither skips nor repeats a window.
 */
export class DriftJob extends SharedRunJob<DriftJobOptions> {
  readonly #profiles = new Map<string, FeatureProfile>();
  readonly #reconstructions = new Map<string, Promise<FittedReconstruction | undefined>>();

  protected async run(): Promise<RunReport> {
    const references = await listAllReferences(this.store);
    const versions: ReferencedVersion[] = references.map((r) => ({
      project: r.project, model: r.model, version: r.version, referenceId: r.referenceId, profileJson: r.profile, referenceRows: rowsOf(r),
    }));
    return this.units.run(versions, ({ project, model, version }) => ({ project, model, version }), async (v) => {
      const advanced = await this.#advance({ project: v.project, model: v.model, version: v.version, referenceId: v.referenceId, referenceRows: v.referenceRows, profile: this.#profile(v) });
      return { windows: advanced.windows, checkpointMs: advanced.checkpointMs };
    }, this.signal);
  }

  /** The reference's profile, parsed once per reference. */
  #profile(v: ReferencedVersion): FeatureProfile {
    let profile = this.#profiles.get(v.referenceId);
    if (!profile) {
      try {
        profile = JSON.parse(v.profileJson) as FeatureProfile;
      } catch (err) {
        throw new Error(`reference ${v.referenceId}: its stored profile cannot be read (${(err as Error).message}); upload the reference again`);
      }
      this.#profiles.set(v.referenceId, profile);
    }
    return profile;
  }

  /**
   * The reference's data-reconstruction model, fitted once per reference and settings (two
   * aggregations over its rows); a failed fit is tried again at the next window.
   */
  #reconstruction(stream: DriftStream, settings: MultivariateConfig | undefined): Promise<FittedReconstruction | undefined> {
    const key = `${stream.referenceId}\u0000${JSON.stringify(settings ?? {})}`;
    let fitted = this.#reconstructions.get(key);
    if (!fitted) {
      fitted = fitReferenceReconstruction(this.store, stream.referenceRows, stream.profile, settings);
      fitted.catch(() => this.#reconstructions.delete(key));
      this.#reconstructions.set(key, fitted);
    }
    return fitted;
  }

  #advance(stream: DriftStream) {
    const key = { project: stream.project, model: stream.model, version: stream.version };
    return advanceWindows(this.store, { job: JOB, ...key }, { ...this.opts, signal: this.signal }, async (start, end, scope) => {
      const current = await profileWindow(this.store, scope, { fromMs: start, toMs: end });
      if (current.rows > 0) {
        const own = driftSettingsFor(this.opts.models ?? [], stream.model, stream.version);
        const results = compareProfiles(stream.profile, current, { ...this.opts.compare, ...own });
        const fitted = await this.#reconstruction(stream, own?.multivariate);
        if (fitted) results.push(await multivariateWindow(this.store, fitted, scope, { fromMs: start, toMs: end }));
        const quality = dataQuality(stream.profile, current);
        const resultRows = driftResultRows(stream, start, end, results);
        await Promise.all([this.store.insert(DRIFT_RESULTS, resultRows), this.#writeQuality(stream, start, end, quality)]);
        this.opts.onWindow?.({ ...key, windowStartMs: start, windowEndMs: end, rows: current.rows, results, quality, resultRows });
      }
      return current.rows;
    });
  }

  async #writeQuality(stream: DriftStream, start: number, end: number, quality: QualityMeasure[]): Promise<void> {
    await this.store.insert(
      DATA_QUALITY_RESULTS,
      quality.map((q) => ({
        Project: stream.project,
        ModelName: stream.model,
        ModelVersion: stream.version,
        WindowStart: start,
        WindowEnd: end,
        Source: q.source,
        Feature: q.feature,
        Metric: q.metric,
        Value: q.value,
        Count: q.count,
        ReferenceId: stream.referenceId,
      })),
    );
  }
}

/** The `drift_results` rows of one window's comparison. */
function driftResultRows(stream: DriftStream, start: number, end: number, results: ColumnDrift[]): DriftResultRow[] {
  return results.map((r) => ({
    Project: stream.project,
    ModelName: stream.model,
    ModelVersion: stream.version,
    WindowStart: start,
    WindowEnd: end,
    Source: r.source,
    Feature: r.feature,
    Kind: r.kind,
    Method: r.method,
    Statistic: r.statistic,
    PValue: r.pValue === null || !Number.isFinite(r.pValue) ? null : r.pValue,
    Threshold: r.threshold,
    Drifted: r.drifted,
    Status: r.status,
    ReferenceRows: r.referenceRows,
    CurrentRows: r.currentRows,
    Metrics: JSON.stringify(r.metrics, jsonSafe),
    ReferenceId: stream.referenceId,
  }));
}

/** JSON.stringify replacer keeping NaN and ±Infinity visible as strings instead of `null`. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}
