/** Stable codes of {@link StatsError}. */
export type StatsErrorCode =
  /** Two histograms that must share bin edges do not. */
  | 'STATS_EDGES_MISMATCH'
  /** An argument is outside what the function accepts (see the message). */
  | 'STATS_INVALID_ARGUMENT'
  /** A drift method was asked for a feature kind it does not apply to. */
  | 'STATS_METHOD_NOT_APPLICABLE';

/**
 * The one error class of `@inferlens/stats`. Thrown only for programming errors (mismatched
 * summaries, bad options); empty or degenerate data never throws, it yields a documented
 * result instead.
 */
export class StatsError extends Error {
  /** Stable, machine-readable code. */
  readonly code: StatsErrorCode;

  constructor(code: StatsErrorCode, message: string) {
    super(message);
    this.name = 'StatsError';
    this.code = code;
  }
}
