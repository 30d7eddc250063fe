import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { readSlaResults } from '../store/repositories/sla-results.js';
import { WindowModelFields, WindowRangeFields, WindowResultLimit, windowBounds, windowResultFilter } from './window-results.js';

const SlaQuery = Type.Object({
  ...WindowModelFields,
  slo: Type.Optional(Type.String({ maxLength: 256, description: 'an SLO name from the config' })),
  ...WindowRangeFields,
  breached: Type.Optional(Type.Boolean({ description: 'only breached (true) or only compliant (false) windows' })),
  limit: WindowResultLimit,
});

type Cell = number | string | null;

const n = (x: Cell) => (x === null ? null : Number(x));
const flag = (x: Cell) => (x === null ? null : Number(x) === 1);

/** `GET /api/v1/sla`: one result per SLO, model version and closed window, oldest window first. */
export async function slaPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/sla', { schema: { querystring: SlaQuery } }, async (request) => {
    const q = request.query;
    const rows = await readSlaResults(app.store, { ...windowResultFilter(request, q), slo: q.slo, breached: q.breached });
    return {
      results: rows.map((r) => ({
        slo: r.Slo,
        model: r.ModelName,
        version: r.ModelVersion,
        environment: r.Environment,
        ...windowBounds(r),
        rows: Number(r.Rows),
        requests: Number(r.Requests),
        errors: Number(r.Errors),
        errorRate: Number(r.ErrorRate),
        availability: Number(r.Availability),
        latency: { p50: n(r.LatencyP50), p90: n(r.LatencyP90), p95: n(r.LatencyP95), p99: n(r.LatencyP99) },
        objectives: {
          latency: r.LatencyPercentile === null ? null : { percentile: n(r.LatencyPercentile), thresholdMs: n(r.LatencyThresholdMs), observedMs: n(r.LatencyObservedMs), met: flag(r.LatencyMet) },
          errorRate: r.ErrorRateObjective === null ? null : { max: n(r.ErrorRateObjective), observed: Number(r.ErrorRate), met: flag(r.ErrorRateMet) },
          availability: r.AvailabilityTarget === null ? null : { target: n(r.AvailabilityTarget), observed: Number(r.Availability), met: flag(r.AvailabilityMet) },
        },
        errorBudget: { periodSeconds: Number(r.PeriodSeconds), requests: Number(r.PeriodRequests), errors: Number(r.PeriodErrors), remaining: n(r.ErrorBudgetRemaining) },
        burnRates: JSON.parse(String(r.BurnRates)) as unknown,
        burnRateFiring: Number(r.BurnRateFiring) === 1,
        breached: Number(r.Breached) === 1,
      })),
    };
  });
}
