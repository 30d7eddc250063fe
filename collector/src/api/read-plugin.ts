import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NotFoundError, RequestInvalidError } from '../errors.js';
import { spansOfTrace } from '../store/repositories/otel-traces.js';
import { listLogs } from '../store/repositories/otel-logs.js';
import { listPredictions } from '../store/repositories/predictions.js';
import { predictionJson } from './prediction-rows.js';
import { boundProject } from '../auth/Principal.js';

const PredictionsQuery = Type.Object({
  project: Type.String({ default: 'default', maxLength: 256 }),
  model: Type.Optional(Type.String({ maxLength: 256 })),
  version: Type.Optional(Type.String({ maxLength: 256 })),
  from: Type.Optional(Type.String({ description: 'ISO-8601 time or Unix milliseconds; inclusive' })),
  to: Type.Optional(Type.String({ description: 'ISO-8601 time or Unix milliseconds; exclusive' })),
  predictionId: Type.Optional(Type.String({ maxLength: 256 })),
  limit: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
});

const LogsQuery = Type.Object({
  project: Type.String({ default: 'default', maxLength: 256 }),
  traceId: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{32}$' })),
  service: Type.Optional(Type.String({ maxLength: 256 })),
  limit: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
});

const TraceParams = Type.Object({ traceId: Type.String({ pattern: '^[0-9a-fA-F]{32}$' }) });

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses `from`/`to`: ISO-8601 (a date, or a date-time with `Z` or an offset) or Unix milliseconds, into Unix nanoseconds as a decimal string.
 * Times beyond what Int64 nanoseconds hold (before 1677-09-21, after 2262-04-11) are clamped to
 * that range: ClickHouse would wrap an overflowing `Int64` parameter round silently, so
 * `to=2300-01-01` would have meant a time in the 17th century and matched nothing.
 */
export function parseTimeParam(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let ns: bigint;
  if (/^\d+$/.test(value)) {
    ns = BigInt(value) * 1_000_000n;
  } else {
    // Only ISO-8601: a date (UTC midnight) or a date-time with its offset. `Date.parse` alone
    // also takes "-1" (2001) or "Wed Nov 25 2026" (local time).
    const ms = ISO_TIME.test(value) ? Date.parse(value) : NaN;
    if (!Number.isFinite(ms)) {
      throw new RequestInvalidError(`query parameter ${name}: expected an ISO-8601 time or Unix milliseconds, got ${JSON.stringify(value)}`);
    }
    ns = BigInt(Math.trunc(ms)) * 1_000_000n;
  }
  return (ns < INT64_MIN ? INT64_MIN : ns > INT64_MAX ? INT64_MAX : ns).toString();
}

/**
 * The read API used by the UI, the CLI and the tests. Every value from the
 * request is bound as a query parameter, never spliced into SQL.
 */
export async function readPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/predictions', { schema: { querystring: PredictionsQuery } }, async (request) => {
    const q = request.query;
    const rows = await listPredictions(app.store, {
      project: q.project,
      model: q.model,
      version: q.version,
      predictionId: q.predictionId,
      from: parseTimeParam('from', q.from),
      to: parseTimeParam('to', q.to),
      limit: q.limit,
    });
    return { predictions: rows.map(predictionJson) };
  });

  api.get('/api/v1/logs', { schema: { querystring: LogsQuery } }, async (request) => {
    const q = request.query;
    return { logs: await listLogs(app.store, { project: q.project, traceId: q.traceId?.toLowerCase(), service: q.service, limit: q.limit }) };
  });

  api.get('/api/v1/traces/:traceId', { schema: { params: TraceParams } }, async (request) => {
    const traceId = request.params.traceId.toLowerCase();
    // A key bound to one project sees that project's spans only.
    const rows = await spansOfTrace(app.store, traceId, boundProject(request.principal));
    if (rows.length === 0) throw new NotFoundError(`no spans stored for trace ${traceId}`);
    return {
      traceId,
      spans: rows.map((r) => {
        const eventNames = r.eventNames;
        const linkIds = r.linkTraceIds;
        return {
          traceId: r.TraceId,
          spanId: r.SpanId,
          parentSpanId: r.ParentSpanId,
          traceState: r.TraceState,
          name: r.SpanName,
          kind: r.SpanKind,
          serviceName: r.ServiceName,
          project: r.Project,
          startTimeUnixNano: r.startTimeUnixNano,
          endTimeUnixNano: (BigInt(r.startTimeUnixNano) + BigInt(r.durationNano)).toString(),
          durationNano: r.durationNano,
          status: { code: r.StatusCode, message: r.StatusMessage },
          resourceAttributes: r.ResourceAttributes,
          scope: { name: r.ScopeName, version: r.ScopeVersion },
          attributes: r.SpanAttributes,
          events: eventNames.map((name, i) => ({
            name,
            timeUnixNano: r.eventTimes[i],
            attributes: r.eventAttributes[i],
          })),
          links: linkIds.map((id, i) => ({
            traceId: id,
            spanId: r.linkSpanIds[i],
            traceState: r.linkTraceStates[i],
            attributes: r.linkAttributes[i],
          })),
        };
      }),
    };
  });
}
