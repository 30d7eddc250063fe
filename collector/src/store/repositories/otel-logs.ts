import type { ClickHouseStore } from '../ClickHouseStore.js';
import { SqlFilter } from './SqlFilter.js';

/** Which log records to list. */
export interface LogListFilter {
  project: string;
  /** Lowercase hex. */
  traceId?: string | undefined;
  service?: string | undefined;
  limit: number;
}

/** Log records of `otel_logs` (the ones that are not predictions or feedback), newest first, as the read API answers them. */
export function listLogs(store: ClickHouseStore, f: LogListFilter): Promise<Array<Record<string, unknown>>> {
  const filter = new SqlFilter()
    .add('Project = {project:String}', 'project', f.project)
    .add('TraceId = {traceId:String}', 'traceId', f.traceId)
    .add('ServiceName = {service:String}', 'service', f.service)
    .bind('limit', f.limit);
  return store.query<Record<string, unknown>>(
    `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano, TraceId AS traceId, SpanId AS spanId, TraceFlags AS traceFlags,
            SeverityText AS severityText, SeverityNumber AS severityNumber, ServiceName AS serviceName, Body AS body,
            ResourceAttributes AS resourceAttributes, ScopeName AS scopeName, ScopeVersion AS scopeVersion,
            ScopeAttributes AS scopeAttributes, LogAttributes AS attributes, EventName AS eventName, Project AS project
     FROM otel_logs WHERE ${filter.where()} ORDER BY Timestamp DESC LIMIT {limit:UInt32}`,
    filter.params,
  );
}
