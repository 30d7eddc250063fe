import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DEFAULT_ALPHA } from '@inferlens/stats';
import { RequestInvalidError } from '../errors.js';
import { projectOf } from '../http/request-context.js';
import { DEFAULT_QUALITY_OUTPUTS, type QualityModelConfig } from '../config.js';
import { parseTimeParam } from './read-plugin.js';
import { compareVersions } from './compare-versions.js';

const CompareQuery = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.String({ minLength: 1, maxLength: 256 }),
  a: Type.String({ maxLength: 256, description: 'baseline version' }),
  b: Type.String({ maxLength: 256, description: 'candidate version' }),
  from: Type.String({ minLength: 1, description: 'prediction time at or after; ISO-8601 or Unix milliseconds' }),
  to: Type.String({ minLength: 1, description: 'prediction time before; ISO-8601 or Unix milliseconds' }),
  alpha: Type.Number({ exclusiveMinimum: 0, maximum: 0.5, default: DEFAULT_ALPHA, description: 'significance level of the verdicts; intervals at 1 − alpha' }),
});

/** Options of {@link comparePlugin}. */
export interface ComparePluginOptions {
  /** Output names per model (`quality.models`); other models use the defaults. */
  models: readonly QualityModelConfig[];
}

/**
 * `GET /api/v1/compare?model=&a=&b=&from=&to=[&project=][&alpha=]`: version b (candidate) against
 * version a (baseline) over the same time range — latency, error rate and quality from feedback,
 * each with its test and a verdict `better` / `worse` / `inconclusive`, and an overall verdict.
 */
export async function comparePlugin(app: FastifyInstance, options: ComparePluginOptions): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/compare', { schema: { querystring: CompareQuery } }, async (request) => {
    const q = request.query;
    if (q.a === q.b) throw new RequestInvalidError(`query parameters a and b: expected two different versions, got ${JSON.stringify(q.a)} twice`);
    const from = parseTimeParam('from', q.from)!;
    const to = parseTimeParam('to', q.to)!;
    if (BigInt(from) >= BigInt(to)) throw new RequestInvalidError(`query parameters from and to: expected from before to, got ${q.from} and ${q.to}`);
    const project = q.project ?? projectOf(request);
    const outputs = options.models.find((m) => m.model === q.model) ?? DEFAULT_QUALITY_OUTPUTS;
    const result = await compareVersions(app.store, { project, model: q.model, a: q.a, b: q.b, from, to, alpha: q.alpha, outputs });
    return {
      project,
      model: q.model,
      a: q.a,
      b: q.b,
      from: new Date(Number(BigInt(from) / 1_000_000n)).toISOString(),
      to: new Date(Number(BigInt(to) / 1_000_000n)).toISOString(),
      alpha: q.alpha,
      ...result,
    };
  });
}
