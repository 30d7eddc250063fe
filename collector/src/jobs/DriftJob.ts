import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { SharedRunJob, type JobRunOptions } from './SharedRun.js';
import type { RunReport } from './JobUnits.js';
import { compareProfiles, type ColumnDrift, type CompareOptions } from './compare-profiles.js';
import { profileWindow, type FeatureProfile } from './feature-profile.js';
import { listAllReferences } from '../store/repositories/reference-profiles.js';
import { advanceWindows, type WindowTiming } from './event-windows.js';
import { dataQuality, type QualityMeasure } from './data-quality.js';
import { driftSettingsFor, type DriftModelConfig, type MultivariateConfig } from '../config.js';
import { fitReferenceReconstruction, fitSegmentBounds, multivariateWindowAndSegments, multivariateWindow, type FittedReconstruction, type SegmentReconstructionBounds } from './multivariate-drift.js';
import { embeddingWindow, referenceEmbeddings, type ReferenceEmbeddings } from './embedding-drift.js';
import { referenceRowsOf, type ReferenceRows } from '../store/repositories/reconstruction-errors.js';
import { DATA_QUALITY_RESULTS } from '../store/schema/data-quality-results.js';
import { DRIFT_RESULTS, type DriftResultRow } from '../store/schema/drift-results.js';
import type { SegmentsConfig } from '../config.js';
import type { PredictionScope, MillisRange } from '../store/repositories/predictions.js';
import { profileReferenceSegments, profileWindowSegments } from './feature-profile.js';
import { OVERALL_SEGMENT, windowSegmentPlan, type WindowSegmentPlan } from './segments.js';

/** Options of a {@link DriftJob}. */
export interface DriftJobOptions extends WindowTiming, JobRunOptions {
  /** Statistic options for every model. */
  compare?: CompareOptions;
  /** Per-model methods and thresholds (`drift.models`), layered over `compare`. */
  models?: readonly DriftModelConfig[];
  /** Called after each closed window's results are written, with them (for alert evaluation). */
  onWindow?: (window: ClosedWindow) => void;
  /** Per-segment results (`segments`); absent: none. */
  segments?: SegmentsConfig;
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
  /** The results of each segment of the window (the univariate columns, the data-set row, the multivariate row when the reference has the segment's rows, and data quality). */
  segments: SegmentWindow[];
  /** The `drift_results` rows written for the window: the overall ones, then each segment's. */
  resultRows: DriftResultRow[];
}

/** One segment's results in a closed window. */
export interface SegmentWindow {
  segment: string;
  rows: number;
  results: ColumnDrift[];
  quality: QualityMeasure[];
}

const JOB = 'drift';
/** Reference profiles per segment plan kept in memory, across references. */
const REFERENCE_SEGMENT_PLANS_KEPT = 64;

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
  readonly #embeddings = new Map<string, Promise<ReferenceEmbeddings | undefined>>();
  /** The reference's profiles per segment, per reference, segment column and kept values (the newest few). */
  readonly #referenceSegments = new Map<string, Promise<Map<string, FeatureProfile> | undefined>>();
  /** The multivariate bounds per segment, per reference, settings, segment column and kept values (the newest few). */
  readonly #segmentBounds = new Map<string, Promise<Map<string, SegmentReconstructionBounds>>>();

  protected async run(): Promise<RunReport> {
    const references = await listAllReferences(this.store);
    const versions: ReferencedVersion[] = references.map((r) => ({
      project: r.project, model: r.model, version: r.version, referenceId: r.referenceId, profileJson: r.profile, referenceRows: referenceRowsOf(r),
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
    return readOnce(this.#reconstructions, key, () => fitReferenceReconstruction(this.store, stream.referenceRows, stream.profile, settings));
  }

  /** The reference's embeddings (centroid and sample), read once per reference; a failed read is tried again at the next window. */
  #referenceEmbeddings(stream: DriftStream): Promise<ReferenceEmbeddings | undefined> {
    return readOnce(this.#embeddings, stream.referenceId, () => referenceEmbeddings(this.store, stream.referenceRows));
  }

  #advance(stream: DriftStream) {
    const key = { project: stream.project, model: stream.model, version: stream.version };
    return advanceWindows(this.store, { job: JOB, ...key }, { ...this.opts, signal: this.signal }, async (start, end, scope) => {
      const current = await profileWindow(this.store, scope, { fromMs: start, toMs: end });
      if (current.rows > 0) {
        const own = driftSettingsFor(this.opts.models ?? [], stream.model, stream.version);
        const results = compareProfiles(stream.profile, current, { ...this.opts.compare, ...own });
        const range = { fromMs: start, toMs: end };
        const plan = await windowSegmentPlan(this.store, this.opts.segments, scope, range);
        const fitted = await this.#reconstruction(stream, own?.multivariate);
        let multivariateSegmentRows = new Map<string, ColumnDrift>();
        if (fitted && plan) {
          // The whole window's and the segments' errors in one pass over the window's rows.
          const bounds = await this.#segmentReconstructionBounds(stream, fitted, own?.multivariate, plan);
          const mv = await multivariateWindowAndSegments(this.store, fitted, bounds, scope, range, plan.grouping);
          results.push(mv.overall);
          multivariateSegmentRows = mv.segments;
        } else if (fitted) {
          results.push(await multivariateWindow(this.store, fitted, scope, range));
        }
        const embeddings = await this.#referenceEmbeddings(stream);
        const embedding = embeddings && (await embeddingWindow(this.store, embeddings, scope, { fromMs: start, toMs: end }));
        if (embedding) results.push(embedding);
        const quality = dataQuality(stream.profile, current);
        const segments = plan ? await this.#segments(stream, scope, range, { ...this.opts.compare, ...own }, plan, multivariateSegmentRows) : [];
        const resultRows = [
          ...driftResultRows(stream, start, end, OVERALL_SEGMENT, results),
          ...segments.flatMap((s) => driftResultRows(stream, start, end, s.segment, s.results)),
        ];
        const qualityRows = [
          ...dataQualityRows(stream, start, end, OVERALL_SEGMENT, quality),
          ...segments.flatMap((s) => dataQualityRows(stream, start, end, s.segment, s.quality)),
        ];
        await Promise.all([this.store.insert(DRIFT_RESULTS, resultRows), this.store.insert(DATA_QUALITY_RESULTS, qualityRows)]);
        this.opts.onWindow?.({ ...key, windowStartMs: start, windowEndMs: end, rows: current.rows, results, quality, segments, resultRows });
      }
      return current.rows;
    });
  }

  /**
   * The reference's rows grouped into the segments of a window's plan, profiled once per
   * reference, segment column and kept values (windows in a row mostly keep the same values);
   * undefined when the reference's rows have no such column (an uploaded data set has no
   * `segment`). A failed read is tried again at the next window.
   */
  #referenceSegmentProfiles(stream: DriftStream, plan: WindowSegmentPlan): Promise<Map<string, FeatureProfile> | undefined> {
    if (!referenceHasColumn(stream, plan)) return Promise.resolve(undefined);
    const key = JSON.stringify([stream.referenceId, ...planKey(plan)]);
    return readOnce(this.#referenceSegments, key, () => profileReferenceSegments(this.store, stream.referenceRows, plan.grouping), REFERENCE_SEGMENT_PLANS_KEPT);
  }

  /**
   * The multivariate bounds of each segment of a plan from the reference's own rows of it (see
   * `fitSegmentBounds`), read once per reference, settings, segment column and kept values;
   * none when the reference's rows have no such column. A failed read is tried again at the next window.
   */
  #segmentReconstructionBounds(stream: DriftStream, fitted: FittedReconstruction, settings: MultivariateConfig | undefined, plan: WindowSegmentPlan): Promise<Map<string, SegmentReconstructionBounds>> {
    if (!referenceHasColumn(stream, plan)) return Promise.resolve(new Map());
    const key = JSON.stringify([stream.referenceId, settings ?? {}, ...planKey(plan)]);
    return readOnce(this.#segmentBounds, key, () => fitSegmentBounds(this.store, stream.referenceRows, fitted, plan.grouping), REFERENCE_SEGMENT_PLANS_KEPT);
  }

  /**
   * The window's segments (see `segments.ts`): its most frequent segment values, the rest as
   * `other`, profiled in one grouped pass and each compared with the same segment of the
   * reference when the reference has rows of it (a pinned range; an uploaded data set when the
   * segments are a feature's values), else with the whole reference. A model segmented by a
   * categorical feature leaves that feature out of its segments' comparisons (within a segment it
   * holds one value). A segment's multivariate row (`multivariateRows`, read with the whole
   * window's) joins its results.
   */
  async #segments(
    stream: DriftStream,
    scope: PredictionScope,
    range: MillisRange,
    compare: CompareOptions,
    plan: WindowSegmentPlan,
    multivariateRows: ReadonlyMap<string, ColumnDrift>,
  ): Promise<SegmentWindow[]> {
    const { column, names } = plan;
    const profiles = await profileWindowSegments(this.store, scope, range, plan.grouping);
    const referenceSegments = await this.#referenceSegmentProfiles(stream, plan);
    const drop = (p: FeatureProfile) => (column.feature === undefined ? p : withoutFeature(p, column.feature));
    const whole = drop(stream.profile);
    const out: SegmentWindow[] = [];
    for (const segment of names) {
      // The statistics run in TypeScript, a segment's columns at a time: let other work in between.
      await new Promise((resolve) => setImmediate(resolve));
      const profile = profiles.get(segment);
      if (!profile || profile.rows === 0) continue;
      const current = drop(profile);
      const own = referenceSegments?.get(segment);
      const reference = own && own.rows > 0 ? drop(own) : whole;
      const results = compareProfiles(reference, current, compare);
      const mv = multivariateRows.get(segment);
      if (mv) results.push(mv);
      out.push({ segment, rows: current.rows, results, quality: dataQuality(reference, current) });
    }
    return out;
  }
}

/** A copy of `profile` without the input feature `name`. */
function withoutFeature(profile: FeatureProfile, name: string): FeatureProfile {
  const drop = <T>(r: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(r).filter(([k]) => k !== name));
  return {
    rows: profile.rows,
    numeric: { feature: drop(profile.numeric.feature), output: profile.numeric.output },
    categorical: { feature: drop(profile.categorical.feature), output: profile.categorical.output },
  };
}

/** The columns that name one window (and segment) of a stream, first in both result tables. */
function windowColumns(stream: DriftStream, start: number, end: number, segment: string) {
  return { Project: stream.project, ModelName: stream.model, ModelVersion: stream.version, Segment: segment, WindowStart: start, WindowEnd: end };
}

/** The `data_quality_results` rows of one window's (or segment's) measures. */
function dataQualityRows(stream: DriftStream, start: number, end: number, segment: string, quality: QualityMeasure[]) {
  return quality.map((q) => ({
    ...windowColumns(stream, start, end, segment),
    Source: q.source,
    Feature: q.feature,
    Metric: q.metric,
    Value: q.value,
    Count: q.count,
    ReferenceId: stream.referenceId,
  }));
}

/** The `drift_results` rows of one window's (or segment's) comparison. */
function driftResultRows(stream: DriftStream, start: number, end: number, segment: string, results: ColumnDrift[]): DriftResultRow[] {
  return results.map((r) => ({
    ...windowColumns(stream, start, end, segment),
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

/**
 * The read of `key` in `cache`, started by `read` the first time: later calls share it. A read
 * that fails is forgotten, so the next call tries again; with `kept`, the cache keeps at most that
 * many entries, the oldest dropped first.
 */
function readOnce<T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>, kept = Infinity): Promise<T> {
  let pending = cache.get(key);
  if (!pending) {
    pending = read();
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
    for (const old of cache.keys()) {
      if (cache.size <= kept) break;
      cache.delete(old);
    }
  }
  return pending;
}

/** Whether the reference's rows can hold the plan's segment column: an uploaded data set has no `segment` (a feature, it may have). */
function referenceHasColumn(stream: DriftStream, plan: WindowSegmentPlan): boolean {
  return plan.column.feature !== undefined || stream.referenceRows.kind !== 'dataset';
}

/** What a per-plan read of the reference depends on: the segment column and the kept values, in any order (the grouping tests membership). */
function planKey(plan: WindowSegmentPlan): unknown[] {
  return [plan.column.feature ?? null, [...plan.values].sort()];
}
