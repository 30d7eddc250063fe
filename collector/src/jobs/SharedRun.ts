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
