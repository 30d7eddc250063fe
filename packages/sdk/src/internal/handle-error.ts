import { diag } from '@opentelemetry/api';

/**
 * The one place where the SDK's own failures end up: hooks, timers, extractors
 * and export paths catch and call this. It logs through `diag` and cannot
 * throw, so nothing the SDK does can reach the host's call stack.
 */
export function handleError(where: string, error: unknown): void {
  try {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    diag.error(`@inferlens/sdk: ${where}: ${message}`);
  } catch {
    // A broken diag logger must not turn an SDK problem into a host problem.
  }
}

/** Logs a warning through `diag`; never throws. */
export function warn(message: string): void {
  try {
    diag.warn(`@inferlens/sdk: ${message}`);
  } catch {
    // see handleError
  }
}

/** Logs an informational message through `diag`; never throws. */
export function info(message: string): void {
  try {
    diag.info(`@inferlens/sdk: ${message}`);
  } catch {
    // see handleError
  }
}
