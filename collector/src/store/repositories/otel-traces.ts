import type { ClickHouseStore } from '../ClickHouseStore.js';

/** A span of `otel_traces` as read: times as Unix ns text, events and links as parallel arrays. */
export interface StoredSpan {
  startTimeUnixNano: string;
  durationNano: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  StatusCode: string;
  StatusMessage: string;
  Project: string;
  eventTimes: string[];
  eventNames: string[];
  eventAttributes: Array<Record<string, string>>;
  linkTraceIds: string[];
  linkSpanIds: string[];
  linkTraceStates: string[];
  linkAttributes: Array<Record<string, string>>;
}

/**
 * The spans of a trace (lowercase hex id), by start time; only those of `project` when given.
 * The trace's first and last second come from `otel_traces_trace_id_ts` (as Grafana's plugin
 * does), so only the partitions and granules of that time range are read; a trace the lookup
 * table does not know is searched everywhere.
 */
export function spansOfTrace(store: ClickHouseStore, traceId: string, project?: string): Promise<StoredSpan[]> {
  return store.query<StoredSpan>(
    `WITH (SELECT (min(Start), max(End) + 1, count()) FROM otel_traces_trace_id_ts WHERE TraceId = {traceId:String}) AS bounds
     SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS startTimeUnixNano, toString(Duration) AS durationNano,
            TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes,
            ScopeName, ScopeVersion, SpanAttributes, StatusCode, StatusMessage, Project,
            arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimes, Events.Name AS eventNames,
            Events.Attributes AS eventAttributes, Links.TraceId AS linkTraceIds, Links.SpanId AS linkSpanIds,
            Links.TraceState AS linkTraceStates, Links.Attributes AS linkAttributes
     FROM otel_traces
     WHERE TraceId = {traceId:String} AND (bounds.3 = 0 OR (Timestamp >= bounds.1 AND Timestamp <= bounds.2))${project === undefined ? '' : ' AND Project = {project:String}'} ORDER BY Timestamp, SpanId`,
    project === undefined ? { traceId } : { traceId, project },
  );
}
