import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NotFoundError, RequestInvalidError } from '../errors.js';
import { profileRange, type FeatureProfile } from '../jobs/feature-profile.js';
import { projectOf } from '../http/request-context.js';
import { referenceOf } from '../store/repositories/reference-profiles.js';
import { parseTimeParam } from './read-plugin.js';
import { categoryBars, numericBins } from './display-bins.js';
import { segmentProfiles } from './segment-profiles.js';
import type { SegmentsConfig } from '../config/segments.js';

const DistributionsQuery = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.String({ maxLength: 256 }),
  feature: Type.String({ minLength: 1, maxLength: 256, description: 'a column name' }),
  source: Type.Union([Type.Literal('feature'), Type.Literal('output')], { default: 'feature' }),
  segment: Type.Optional(Type.String({ maxLength: 256, description: "a segment's rows (as the drift job grouped the window); absent or empty: every row" })),
  from: Type.String({ minLength: 1, description: 'prediction time at or after (a window start); ISO-8601 or Unix milliseconds' }),
  to: Type.String({ minLength: 1, description: 'prediction time before (a window end); ISO-8601 or Unix milliseconds' }),
  bins: Type.Integer({ minimum: 2, maximum: 100, default: 24 }),
});

/**
 * `GET /api/v1/distributions?model=&version=&feature=&source=&from=&to=`: one column's reference
 * distribution (the stored reference profile of the version) beside its distribution in
 * `[from, to)` (profiled from `predictions` by the drift job's own code, so a drift window's range
 * shows exactly what that window compared): shared equal-width bins for numbers, category counts
 * for categories, with counts and missing values on each side. 404 without a reference. With
 * `segment`, the window's rows of that segment beside the same segment of the reference (the whole
 * reference when it has no rows of it), as the drift job compared them.
 */
export async function distributionsPlugin(app: FastifyInstance, opts: { segments: SegmentsConfig }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/distributions', { schema: { querystring: DistributionsQuery } }, async (request) => {
    const q = request.query;
    const from = parseTimeParam('from', q.from)!;
    const to = parseTimeParam('to', q.to)!;
    if (BigInt(from) >= BigInt(to)) throw new RequestInvalidError(`query parameters from and to: expected from before to, got ${q.from} and ${q.to}`);
    const scope = { project: q.project ?? projectOf(request), model: q.model, version: q.version };
    const ref = await referenceOf(app.store, scope.project, scope.model, scope.version);
    if (!ref) throw new NotFoundError(`no reference for ${q.model} version ${JSON.stringify(q.version)}: upload one (POST /v1/references) or pin one`);
    const whole = JSON.parse(ref.profile) as FeatureProfile;
    const bySegment = q.segment
      ? await segmentProfiles(app.store, opts.segments, ref, whole, scope, { fromMs: Number(BigInt(from) / 1_000_000n), toMs: Number(BigInt(to) / 1_000_000n) }, q.segment)
      : undefined;
    const reference = bySegment?.reference ?? whole;
    const current = bySegment?.current ?? (await profileRange(app.store, scope, { from, to }));
    const numeric = reference.numeric[q.source][q.feature] ?? current.numeric[q.source][q.feature];
    const categorical = reference.categorical[q.source][q.feature] ?? current.categorical[q.source][q.feature];
    const distribution =
      numeric || !categorical
        ? numericBins(reference.numeric[q.source][q.feature], current.numeric[q.source][q.feature], q.bins)
        : categoryBars(reference.categorical[q.source][q.feature], current.categorical[q.source][q.feature]);
    const counted = (p: FeatureProfile) => (p.numeric[q.source][q.feature]?.total ?? 0) + (p.categorical[q.source][q.feature]?.total ?? 0);
    return {
      model: q.model,
      version: q.version,
      source: q.source,
      feature: q.feature,
      referenceId: ref.referenceId,
      segment: q.segment ?? '',
      reference: { rows: reference.rows, missing: reference.rows - counted(reference), segment: bySegment?.referenceSegment ?? false },
      current: {
        from: new Date(Number(BigInt(from) / 1_000_000n)).toISOString(),
        to: new Date(Number(BigInt(to) / 1_000_000n)).toISOString(),
        rows: current.rows,
        missing: current.rows - counted(current),
      },
      distribution,
    };
  });
}
