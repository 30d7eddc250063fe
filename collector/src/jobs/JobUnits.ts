/**
 * Runs a job's units of work (one model version, one SLO of a model version, one alert
 * series' window) each on its own: a unit that fails is logged with its key and error, waits
 * out an exponential backoff before its next attempt, and every other unit proceeds in the
 * same run. Keeps, per unit, what `GET /api/v1/jobs` shows: the last success, the last error,
 * consecutive failures, the next attempt, the checkpoint and the lag behind the wall clock.
 */

/** Identity of one unit of work: a model version, plus the SLO or alert source where it applies. */
export interface UnitKey {
  project: string;
  model: string;
  version: string;
  /** Further identity (e.g. `{ slo: 'latency' }`, `{ source: 'drift' }`). */
  [extra: string]: string;
}

/** What one run did with one unit. */
export interface UnitOutcome {
  unit: UnitKey;
  /** `ok`: ran; `failed`: threw (see `error`); `backoff`: skipped until `nextAttemptAt`. */
  status: 'ok' | 'failed' | 'backoff';
  /** Windows written by this run. */
  windows: number;
  error?: string;
  nextAttemptAt?: string;
}

/** What one run of a job did, unit by unit. */
export interface RunReport {
  /** Windows written by this run, over every unit. */
  windowsClosed: number;
  units: UnitOutcome[];
}

/** A unit's standing, as `GET /api/v1/jobs` shows it. */
export interface UnitStatus {
  unit: UnitKey;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** Set while the unit backs off after a failure. */
  nextAttemptAt: string | null;
  /** Windows written since the collector started. */
  windowsClosed: number;
  /** End (event time) of the newest window the unit has closed, when known. */
  checkpoint: string | null;
  /** Wall clock minus the checkpoint, in seconds: how far the unit's closed windows trail now. */
  lagSeconds: number | null;
}

/** What a unit's work returns: the windows it wrote and, when it knows it, its checkpoint. */
export interface UnitResult {
  windows: number;
  /** End of the newest closed window (Unix ms), if any. */
  checkpointMs?: number | undefined;
}

/** Options of {@link JobUnits}. */
export interface JobUnitsOptions {
  /** Wall clock, Unix ms. @default Date.now */
  now?: () => number;
  /** First backoff after a failure, ms; doubles with each further failure. @default 10000 */
  initialBackoffMs?: number;
  /** Longest backoff, ms. @default 300000 */
  maxBackoffMs?: number;
  /** Told of every failure (the collector logs it); must not throw. */
  onError?: (unit: UnitKey, err: unknown, consecutiveFailures: number) => void;
}

interface UnitState {
  unit: UnitKey;
  lastRunAt?: number;
  lastSuccessAt?: number;
  lastErrorAt?: number;
  lastError?: string;
  failures: number;
  nextAttemptAt?: number;
  windowsClosed: number;
  checkpointMs?: number;
}

/** A stable map key of a unit: its fields sorted by name. */
export function unitId(unit: UnitKey): string {
  return JSON.stringify(Object.keys(unit).sort().map((k) => [k, unit[k]]));
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** The per-unit runner of one job; see the module comment. */
export class JobUnits {
  readonly #now: () => number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #onError: (unit: UnitKey, err: unknown, failures: number) => void;
  readonly #states = new Map<string, UnitState>();

  constructor(options: JobUnitsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#initialBackoffMs = options.initialBackoffMs ?? 10_000;
    this.#maxBackoffMs = Math.max(this.#initialBackoffMs, options.maxBackoffMs ?? 300_000);
    this.#onError = options.onError ?? (() => undefined);
  }

  /**
   * Runs `work` for each unit in order, one at a time; a unit backing off is skipped. Units not
   * in `units` are forgotten (their model version or SLO is gone). Never rejects for a unit's
   * failure. Once `signal` is aborted (the collector is closing), no further unit is started.
   */
  async run<U>(units: readonly U[], keyOf: (u: U) => UnitKey, work: (u: U) => Promise<UnitResult>, signal?: AbortSignal): Promise<RunReport> {
    const listed = new Set<string>();
    const outcomes: UnitOutcome[] = [];
    let windowsClosed = 0;
    for (const u of units) {
      if (signal?.aborted) return { windowsClosed, units: outcomes };
      const key = keyOf(u);
      const id = unitId(key);
      listed.add(id);
      const outcome = await this.attempt(key, () => work(u), id);
      windowsClosed += outcome.windows;
      outcomes.push(outcome);
    }
    for (const id of [...this.#states.keys()]) if (!listed.has(id)) this.#states.delete(id);
    return { windowsClosed, units: outcomes };
  }

  /** Runs one unit now (unless it backs off), recording the outcome; never rejects. */
  async attempt(unit: UnitKey, work: () => Promise<UnitResult>, id = unitId(unit)): Promise<UnitOutcome> {
    let state = this.#states.get(id);
    if (!state) {
      state = { unit, failures: 0, windowsClosed: 0 };
      this.#states.set(id, state);
    }
    const started = this.#now();
    if (state.nextAttemptAt !== undefined && started < state.nextAttemptAt) {
      return { unit, status: 'backoff', windows: 0, nextAttemptAt: iso(state.nextAttemptAt)!, ...(state.lastError ? { error: state.lastError } : {}) };
    }
    state.lastRunAt = started;
    try {
      const result = await work();
      const now = this.#now();
      state.lastSuccessAt = now;
      state.failures = 0;
      delete state.nextAttemptAt;
      state.windowsClosed += result.windows;
      if (result.checkpointMs !== undefined) state.checkpointMs = result.checkpointMs;
      return { unit, status: 'ok', windows: result.windows };
    } catch (err) {
      const now = this.#now();
      state.failures++;
      state.lastErrorAt = now;
      state.lastError = err instanceof Error ? err.message : String(err);
      state.nextAttemptAt = now + Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** Math.min(30, state.failures - 1));
      try {
        this.#onError(unit, err, state.failures);
      } catch {
        // The hook must not break the run.
      }
      return { unit, status: 'failed', windows: 0, error: state.lastError, nextAttemptAt: iso(state.nextAttemptAt)! };
    }
  }

  /** Every known unit's standing, failing units first, then by key. */
  status(): UnitStatus[] {
    const now = this.#now();
    return [...this.#states.entries()]
      .sort(([a, x], [b, y]) => Number(y.failures > 0) - Number(x.failures > 0) || a.localeCompare(b))
      .map(([, s]) => ({
        unit: s.unit,
        lastRunAt: iso(s.lastRunAt),
        lastSuccessAt: iso(s.lastSuccessAt),
        lastErrorAt: iso(s.lastErrorAt),
        lastError: s.lastError ?? null,
        consecutiveFailures: s.failures,
        nextAttemptAt: iso(s.nextAttemptAt),
        windowsClosed: s.windowsClosed,
        checkpoint: iso(s.checkpointMs),
        lagSeconds: s.checkpointMs === undefined ? null : Math.max(0, (now - s.checkpointMs) / 1000),
      }));
  }
}
