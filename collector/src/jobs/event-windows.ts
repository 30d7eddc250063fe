import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { readCheckpoint, writeCheckpoint } from '../store/repositories/job-checkpoints.js';
import { firstPredictionFrom, streamSpan, type PredictionScope } from '../store/repositories/predictions.js';

/** One stream of predictions a windowed job follows (optionally one environment's), and the checkpoint key it is recorded under. */
export interface WindowStream extends PredictionScope {
  /** Checkpoint job name (`drift`, `sla:<slo>`, ...). */
  job: string;
}

/** How a job's windows are cut and closed. */
export interface WindowTiming {
  /** Event-time window length. */
  windowMs: number;
  /** A window closes once the newest event time of its stream passes its end by this much. */
  allowedLatenessMs: number;
  /**
   * A window also closes once the wall clock passes its end by the allowed lateness plus this
   * much, so the last window of a stream that goes quiet is analysed too (a source that is idle
   * no longer holds the watermark back, as in stream processors). @default 300000
   */
  idleTimeoutMs?: number;
  /** Wall clock, Unix ms. @default Date.now */
  now?: () => number;
  /** Once aborted (the collector is closing), no further window is started; the checkpoint keeps the place. */
  signal?: AbortSignal | undefined;
}

/** Default of {@link WindowTiming.idleTimeoutMs}. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/** What {@link advanceWindows} did. */
export interface WindowsAdvanced {
  /** Non-empty windows processed. */
  windows: number;
  /** The stream's checkpoint after the call (end of its newest closed window, Unix ms), if any. */
  checkpointMs: number | undefined;
}

/**
 * Processes one window `[startMs, endMs)` of the stream `scope`; resolves with the number of rows
 * it found (0 for an empty window, which is checkpointed but not reported). Results must be
 * written idempotently (keyed by window), since a crash between them and the checkpoint repeats
 * the window.
 */
export type WindowProcessor = (startMs: number, endMs: number, scope: PredictionScope) => Promise<number>;

/**
 * Closes, in order, every window of `stream` that the watermark has passed since the stream's
 * checkpoint in `job_checkpoints`, calling `process` for each and then recording the window's end
 * as the checkpoint. The watermark is the newest event time of the stream minus the allowed
 * lateness, or the wall clock minus the allowed lateness and the idle timeout, whichever is later.
 * Gaps in the traffic are skipped in one step, and nothing is done past the newest event. Shared by
 * the drift, SLA and quality jobs.
 */
export async function advanceWindows(store: ClickHouseStore, stream: WindowStream, timing: WindowTiming, process: WindowProcessor): Promise<WindowsAdvanced> {
  const { windowMs, allowedLatenessMs } = timing;
  const idleTimeoutMs = timing.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const now = (timing.now ?? Date.now)();
  const { job, ...scope } = stream;
  // Only rows at or after the checkpoint are read, so this stays proportional to new data.
  const from = await readCheckpoint(store, job, scope);
  let checkpointMs = from;
  const span = await streamSpan(store, scope, from ?? MIN_TIME_MS);
  if (span.rows === 0) return { windows: 0, checkpointMs };
  const maxTs = span.lastMs;
  const watermark = Math.max(maxTs - allowedLatenessMs, now - allowedLatenessMs - idleTimeoutMs);
  let start = Math.floor(span.firstMs / windowMs) * windowMs;
  // A run closes the window after one with rows even when it is empty (and jumps over a gap only
  // after an empty one): resuming from a checkpoint does the same, so that a restart between two
  // windows ends at the same checkpoint as a run without one.
  if (from !== undefined && start > from) {
    const last = await firstPredictionFrom(store, scope, from - windowMs);
    if (last !== undefined && last < from) start = from;
  }
  if (from !== undefined && start < from) start = from;
  let closed = 0;
  while (start + windowMs <= watermark && start <= maxTs && !timing.signal?.aborted) {
    const end = start + windowMs;
    const rows = await process(start, end, scope);
    if (rows > 0) closed++;
    await writeCheckpoint(store, job, scope, end);
    checkpointMs = end;
    if (rows === 0) {
      const next = await firstPredictionFrom(store, scope, end);
      // No event after this window: nothing more to close until new data arrives.
      if (next === undefined) break;
      start = Math.max(end, Math.floor(next / windowMs) * windowMs);
    } else {
      start = end;
    }
  }
  return { windows: closed, checkpointMs };
}

/** Earliest time `predictions` holds (DateTime64(9) starts in 1900), as Unix ms. */
const MIN_TIME_MS = Date.UTC(1900, 0, 1);
