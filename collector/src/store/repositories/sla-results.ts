import type { ClickHouseStore } from '../ClickHouseStore.js';
import { WINDOW_BOUNDS_SQL, windowResultWhere, type WindowBoundsRow, type WindowResultFilter } from './window-results.js';

/** Which SLA results: a model's windows, optionally one SLO, breached or not. */
export interface SlaResultsFilter extends WindowResultFilter {
  slo?: string | undefined;
  breached?: boolean | undefined;
}

type Cell = number | string | null;

/** An `sla_results` row as read: every column but the times, by name, and its window. */
export type StoredSlaResult = Record<string, Cell> & WindowBoundsRow;

/** SLA results, one per SLO, model version and closed window, oldest window first. */
export function readSlaResults(store: ClickHouseStore, f: SlaResultsFilter): Promise<StoredSlaResult[]> {
  const filter = windowResultWhere(f)
    .add('Slo = {slo:String}', 'slo', f.slo)
    .add('Breached = {breached:UInt8}', 'breached', f.breached === undefined ? undefined : f.breached ? 1 : 0);
  return store.query<StoredSlaResult>(
    `SELECT * EXCEPT (WindowStart, WindowEnd, ComputedAt), ${WINDOW_BOUNDS_SQL}
     FROM sla_results FINAL WHERE ${filter.where()}
     ORDER BY WindowStart, ModelVersion, Slo LIMIT {limit:UInt32}`,
    filter.params,
  );
}
