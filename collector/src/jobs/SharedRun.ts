import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { JobUnits, type JobUnitsOptions, type RunReport } from './JobUnits.js';

/**
 * One run at a time: callers of `run()` while a run is in progress share it, so a timer tick
 * and an API call (`POST /api/v1/jobs/<job>/run`) never close the same window twice at once.
 */
export class SharedRun<T> {
  readonly #fn: () => Promise<T>;
  #running: Promise<T> | undefined;

  constructor(fn: () => Promise<T>) {
    this.#fn = fn;
  }

  /** Starts a run, or joins the one in progress. */
  run(): Promise<T> {
    this.#running ??= this.#fn().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Waits for a run in progress, if any; never rejects. */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }
}

/** Options every windowed job takes besides its own. */
export interface JobRunOptions {
  /** Wall clock, Unix ms (windows closed by the idle timeout, backoff, lag). @default Date.now */
  now?: () => number;
  /** Backoff of a failed unit and how failures are reported (see {@link JobUnits}). */
  units?: JobUnitsOptions;
}

/**
 * A windowed job (drift, SLA, quality) over the store: `runOnce` closes what is ready, sharing a
 * run in progress (see {@link SharedRun}); `idle` waits for it. Subclasses write `run`, running
 * each unit of work through {@link units}, so one failing unit never stops the others.
 */
export abstract class SharedRunJob<O extends JobRunOptions> {
  protected readonly store: ClickHouseStore;
  protected readonly opts: O;
  /** The job's units and their standing. */
  readonly units: JobUnits;
  readonly #shared = new SharedRun(() => this.run());
  readonly #stop = new AbortController();

  constructor(store: ClickHouseStore, options: O) {
    this.store = store;
    this.opts = options;
    this.units = new JobUnits({ ...(options.now ? { now: options.now } : {}), ...options.units });
  }

  /** Closes every window that is ready, unit by unit; concurrent calls share one run. */
  runOnce(): Promise<RunReport> {
    return this.#shared.run();
  }

  /** Waits for a run in progress, if any. */
  idle(): Promise<void> {
    return this.#shared.idle();
  }

  /**
   * Stops the job: a run in progress finishes the window it is on and starts no other (each
   * stream's checkpoint keeps its place for the next start); later runs do nothing. Resolves once
   * the run in progress has ended.
   */
  stop(): Promise<void> {
    this.#stop.abort();
    return this.idle();
  }

  /** Aborted once {@link stop} is called: runs pass it to `JobUnits.run` and `advanceWindows`. */
  protected get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** One run: closes (or recomputes) what is ready, each unit on its own. */
  protected abstract run(): Promise<RunReport>;
}
