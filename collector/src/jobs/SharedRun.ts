import type { ClickHouseStore } from '../store/ClickHouseStore.js';

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

/**
 * A windowed job (drift, SLA, quality) over the store: `runOnce` closes what is ready, sharing a
 * run in progress (see {@link SharedRun}); `idle` waits for it. Subclasses write `run`.
 */
export abstract class SharedRunJob<O> {
  protected readonly store: ClickHouseStore;
  protected readonly opts: O;
  readonly #shared = new SharedRun(() => this.run());

  constructor(store: ClickHouseStore, options: O) {
    this.store = store;
    this.opts = options;
  }

  /** Closes every window that is ready; resolves with how many results were written. Concurrent calls share one run. */
  runOnce(): Promise<number> {
    return this.#shared.run();
  }

  /** Waits for a run in progress, if any. */
  idle(): Promise<void> {
    return this.#shared.idle();
  }

  /** One run: closes (or recomputes) what is ready; resolves with how many windows it wrote. */
  protected abstract run(): Promise<number>;
}
