import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NotFoundError, RequestInvalidError } from '../errors.js';
import { SqlFilter } from './sql-filter.js';

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

interface PredictionDbRow {
  timeUnixNano: string;
  PredictionId: string;
  TraceId: string;
  SpanId: string;
  Project: string;
  ServiceName: string;
  ModelName: string;
  ModelVersion: string;
  Environment: string;
  Segment: string;
  LatencyMs: number;
  Status: string;
  ErrorType: string;
  NumericFeatures: Record<string, number>;
  CategoricalFeatures: Record<string, string>;
  NumericOutputs: Record<string, number>;
  CategoricalOutputs: Record<string, string>;
  InputTokens: number;
  OutputTokens: number;
  SampleRate: number;
  Attributes: Record<string, string>;
}

/**
 * The read API used by the UI, the CLI and the tests. Every value from the
 * request is bound as a query parameter, never spliced into SQL.
 */
export async function readPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/api/v1/predictions', { schema: { querystring: PredictionsQuery } }, async (request) => {
    const q = request.query;
    const filter = new SqlFilter()
      .add('Project = {project:String}', 'project', q.project)
      .add('ModelName = {model:String}', 'model', q.model)
      .add('ModelVersion = {version:String}', 'version', q.version)
      .add('PredictionId = {predictionId:String}', 'predictionId', q.predictionId)
      .timeRange('Timestamp', parseTimeParam('from', q.from), parseTimeParam('to', q.to))
      .bind('limit', q.limit);
    const rows = await app.store.query<PredictionDbRow>(
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano, PredictionId, TraceId, SpanId, Project, ServiceName,
              ModelName, ModelVersion, Environment, Segment, LatencyMs, Status, ErrorType, NumericFeatures, CategoricalFeatures,
              NumericOutputs, CategoricalOutputs, InputTokens, OutputTokens, SampleRate, Attributes
       FROM predictions WHERE ${filter.where()}
       ORDER BY Timestamp DESC, PredictionId LIMIT {limit:UInt32}`,
      filter.params,
    );
    return {
      predictions: rows.map((r) => ({
        predictionId: r.PredictionId,
        timeUnixNano: r.timeUnixNano,
        timestamp: new Date(Number(BigInt(r.timeUnixNano) / 1_000_000n)).toISOString(),
        traceId: r.TraceId,
        spanId: r.SpanId,
        project: r.Project,
        service: r.ServiceName,
        model: r.ModelName,
        version: r.ModelVersion,
        environment: r.Environment,
        segment: r.Segment,
        latencyMs: Number(r.LatencyMs),
        status: r.Status,
        errorType: r.ErrorType,
        numericFeatures: r.NumericFeatures,
        categoricalFeatures: r.CategoricalFeatures,
        numericOutputs: r.NumericOutputs,
        categoricalOutputs: r.CategoricalOutputs,
        inputTokens: Number(r.InputTokens),
        outputTokens: Number(r.OutputTokens),
        sampleRate: Number(r.SampleRate),
        attributes: r.Attributes,
      })),
    };
  });

  api.get('/api/v1/logs', { schema: { querystring: LogsQuery } }, async (request) => {
    const q = request.query;
    const filter = new SqlFilter()
      .add('Project = {project:String}', 'project', q.project)
      .add('TraceId = {traceId:String}', 'traceId', q.traceId?.toLowerCase())
      .add('ServiceName = {service:String}', 'service', q.service)
      .bind('limit', q.limit);
    const rows = await app.store.query<Record<string, unknown>>(
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano, TraceId AS traceId, SpanId AS spanId, TraceFlags AS traceFlags,
              SeverityText AS severityText, SeverityNumber AS severityNumber, ServiceName AS serviceName, Body AS body,
              ResourceAttributes AS resourceAttributes, ScopeName AS scopeName, ScopeVersion AS scopeVersion,
              ScopeAttributes AS scopeAttributes, LogAttributes AS attributes, EventName AS eventName, Project AS project
       FROM otel_logs WHERE ${filter.where()} ORDER BY Timestamp DESC LIMIT {limit:UInt32}`,
      filter.params,
    );
    return { logs: rows };
  });

  api.get('/api/v1/traces/:traceId', { schema: { params: TraceParams } }, async (request) => {
    const traceId = request.params.traceId.toLowerCase();
    const rows = await app.store.query<Record<string, unknown>>(
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS startTimeUnixNano, toString(Duration) AS durationNano,
              TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes,
              ScopeName, ScopeVersion, SpanAttributes, StatusCode, StatusMessage, Project,
              arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimes, Events.Name AS eventNames,
              Events.Attributes AS eventAttributes, Links.TraceId AS linkTraceIds, Links.SpanId AS linkSpanIds,
              Links.TraceState AS linkTraceStates, Links.Attributes AS linkAttributes
       FROM otel_traces WHERE TraceId = {traceId:String} ORDER BY Timestamp, SpanId`,
      { traceId },
    );
    if (rows.length === 0) throw new NotFoundError(`no spans stored for trace ${traceId}`);
    return {
      traceId,
      spans: rows.map((r) => {
        const eventNames = r.eventNames as string[];
        const linkIds = r.linkTraceIds as string[];
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
          endTimeUnixNano: (BigInt(r.startTimeUnixNano as string) + BigInt(r.durationNano as string)).toString(),
          durationNano: r.durationNano,
          status: { code: r.StatusCode, message: r.StatusMessage },
          resourceAttributes: r.ResourceAttributes,
          scope: { name: r.ScopeName, version: r.ScopeVersion },
          attributes: r.SpanAttributes,
          events: eventNames.map((name, i) => ({
            name,
            timeUnixNano: (r.eventTimes as string[])[i],
            attributes: (r.eventAttributes as unknown[])[i],
          })),
          links: linkIds.map((id, i) => ({
            traceId: id,
            spanId: (r.linkSpanIds as string[])[i],
            traceState: (r.linkTraceStates as string[])[i],
            attributes: (r.linkAttributes as unknown[])[i],
          })),
        };
      }),
    };
  });
}
