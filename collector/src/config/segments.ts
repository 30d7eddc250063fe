import Type, { type Static } from 'typebox';
import type { Fail } from './problems.js';
import { Count, Entry, FileList, Name, Section } from './setting.js';

/** One entry of `segments.models`: the categorical input feature a model's segments come from. */
const SegmentModel = Entry({
  model: Name,
  /** The categorical input feature whose values are the segments, in place of the prediction's `segment`. */
  feature: Name,
});

/** `segments:`: drift, data quality and quality per segment, beside the overall results. */
export const SegmentsSection = Section(
  {
    maxValues: Count({
      env: 'INFERLENS_SEGMENTS_MAX_VALUES',
      minimum: 0,
      maximum: 1000,
      default: 10,
      description: "segments per window and model version: the most frequent values of the window, the rest folded into one segment `other`; 0 turns per-segment results off (see [Segments](drift.md#segments))",
    }),
    models: FileList(SegmentModel, "per-model segment column (YAML file only): `{ model, feature }` takes a categorical input feature's values as the model's segments instead of the prediction's `segment`"),
  },
  'per-segment drift, data-quality and quality results beside the overall ones',
);

/** Settings of segments as the jobs use them. */
export type SegmentsConfig = Static<typeof SegmentsSection>;

/** Checks `segments.models`: each model listed once. */
export function checkSegmentModels(entries: SegmentsConfig['models'], fail: Fail): void {
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (seen.has(e.model)) fail(['segments', 'models', i, 'model'], `expected a model listed once, got ${JSON.stringify(e.model)} again`);
    seen.add(e.model);
  });
}

/** The segment column of `model`: the feature `segments.models` names, else the prediction's `segment` (undefined). */
export function segmentFeatureOf(config: Pick<SegmentsConfig, 'models'>, model: string): string | undefined {
  return config.models.find((m) => m.model === model)?.feature;
}
