import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { DISTINCT_VALUES_KEPT, predictionRangeGroups, predictionWindowGroups, predictionWindowSegmentGroups, referenceSegmentGroups, referenceDataGroups, type ProfileColumnSource, type ProfileGroups } from '../store/repositories/feature-profiles.js';
import type { MillisRange, PredictionScope } from '../store/repositories/predictions.js';
import type { ModelScope, NanoRange } from '../store/repositories/SqlFilter.js';
import { addBuckets, emptyBucketHistogram, type BucketHistogram } from './log-buckets.js';
import { fromJsonFloat } from '../store/json-values.js';
import type { SegmentGrouping } from '../store/repositories/segments.js';
import type { ReferenceRows } from '../store/repositories/reconstruction-errors.js';

/** Where a profiled column comes from: model inputs or model outputs. */
export type ProfileSource = ProfileColumnSource;

/** Category counts of one categorical column. */
export interface CategoryCounts {
  counts: Record<string, number>;
  total: number;
}

/**
 * The compact profile of a set of predictions (a window of production traffic, a pinned
 * time range) or of an uploaded reference data set: per numeric column a bucket histogram,
 * per categorical column its category counts. Plain JSON; stored as a reference profile.
 */
export interface FeatureProfile {
  /** Rows profiled (a column's missing count is `rows` minus its total). */
  rows: number;
  numeric: Record<ProfileSource, Record<string, BucketHistogram>>;
  categorical: Record<ProfileSource, Record<string, CategoryCounts>>;
}

/** Builds a profile from the groups ClickHouse computed (see `store/repositories/feature-profiles.ts`). */
export function profileOf(groups: ProfileGroups): FeatureProfile {
  const { numeric, categorical } = groups;
  const profile: FeatureProfile = {
    rows: groups.rows,
    numeric: { feature: {}, output: {} },
    categorical: { feature: {}, output: {} },
  };
  for (const r of numeric) {
    const h = (profile.numeric[r.Source][r.Name] ??= emptyBucketHistogram());
    addBuckets(h, r.Ids.map(Number), r.Counts.map(Number), {
      total: Number(r.Count),
      min: fromJsonFloat(r.Min),
      max: fromJsonFloat(r.Max),
      sum: fromJsonFloat(r.Sum),
      sumSq: fromJsonFloat(r.SumSq),
    });
    // A column holds one group per source and name, so its distinct values are all here.
    if (r.Values.length < DISTINCT_VALUES_KEPT) h.values = r.Values.map(fromJsonFloat).sort((a, b) => a - b);
  }
  for (const r of categorical) {
    const c = (profile.categorical[r.Source][r.Name] ??= { counts: {}, total: 0 });
    c.counts[r.Value] = (c.counts[r.Value] ?? 0) + Number(r.Count);
    c.total += Number(r.Count);
  }
  return profile;
}

/** The profile of a stream's window of predictions (the drift job's current side). */
export async function profileWindow(store: ClickHouseStore, scope: PredictionScope, range: MillisRange): Promise<FeatureProfile> {
  return profileOf(await predictionWindowGroups(store, scope, range));
}

/** The profile of a project's predictions (optionally one model and version) within a range, Unix ns text. */
export async function profileRange(store: ClickHouseStore, scope: ModelScope, range: NanoRange): Promise<FeatureProfile> {
  return profileOf(await predictionRangeGroups(store, scope, range));
}

/** The profile of an uploaded reference data set. */
export async function profileReferenceData(store: ClickHouseStore, project: string, referenceId: string): Promise<FeatureProfile> {
  return profileOf(await referenceDataGroups(store, project, referenceId));
}

/** The profiles of a stream's window per segment (`grouping` of `store/repositories/segments.ts`). */
export async function profileWindowSegments(store: ClickHouseStore, scope: PredictionScope, range: MillisRange, grouping: SegmentGrouping): Promise<Map<string, FeatureProfile>> {
  const groups = await predictionWindowSegmentGroups(store, scope, range, grouping);
  return new Map([...groups].map(([segment, g]) => [segment, profileOf(g)]));
}

/** The profiles of a reference's rows per segment, grouped as a window's are (`grouping`). */
export async function profileReferenceSegments(store: ClickHouseStore, rows: ReferenceRows, grouping: SegmentGrouping): Promise<Map<string, FeatureProfile>> {
  const groups = await referenceSegmentGroups(store, rows, grouping);
  return new Map([...groups].map(([segment, g]) => [segment, profileOf(g)]));
}
