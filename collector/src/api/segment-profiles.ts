import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import type { SegmentsConfig } from '../config/segments.js';
import { NotFoundError } from '../errors.js';
import { profileReferenceSegments, profileWindowSegments, type FeatureProfile } from '../jobs/feature-profile.js';
import { windowSegmentPlan } from '../jobs/segments.js';
import type { MillisRange, PredictionScope } from '../store/repositories/predictions.js';
import { referenceRowsOf } from '../store/repositories/reconstruction-errors.js';
import type { StoredReference } from '../store/repositories/reference-profiles.js';

/**
 * One segment of a window, the drift job's way (`DriftJob`'s `#segments`): the window's values
 * planned as the job plans them (its `segments.maxValues` most frequent, the rest as `other`), the
 * segment's rows profiled with that grouping, beside the same segment of the reference when the
 * reference has rows of it, else the whole reference (`referenceSegment` says which).
 * @throws NotFoundError when per-segment results are off, or the window has no such segment.
 */
export async function segmentProfiles(
  store: ClickHouseStore,
  settings: SegmentsConfig,
  ref: StoredReference,
  whole: FeatureProfile,
  scope: PredictionScope,
  range: MillisRange,
  segment: string,
): Promise<{ reference: FeatureProfile; current: FeatureProfile; referenceSegment: boolean }> {
  if (settings.maxValues <= 0) throw new NotFoundError(`no segment ${JSON.stringify(segment)}: per-segment results are off (segments.maxValues is 0)`);
  const plan = await windowSegmentPlan(store, settings, scope, range);
  const names = plan?.names ?? [];
  if (!plan || !names.includes(segment)) {
    throw new NotFoundError(`no segment ${JSON.stringify(segment)} of ${scope.model} version ${JSON.stringify(scope.version)} in [from, to): the window's segments are ${JSON.stringify(names)}`);
  }
  const { column, grouping } = plan;
  const rows = referenceRowsOf(ref);
  // An uploaded data set has no `segment` column: only a feature's values group its rows.
  const [current, reference] = await Promise.all([
    profileWindowSegments(store, scope, range, grouping),
    column.feature === undefined && rows.kind === 'dataset' ? Promise.resolve(undefined) : profileReferenceSegments(store, rows, grouping),
  ]);
  const own = reference?.get(segment);
  const mine = current.get(segment) ?? { rows: 0, numeric: { feature: {}, output: {} }, categorical: { feature: {}, output: {} } };
  return own && own.rows > 0 ? { reference: own, current: mine, referenceSegment: true } : { reference: whole, current: mine, referenceSegment: false };
}
