import { getGlobalMonitor } from './internal/global-monitor.js';
import { wrapFunction } from './internal/wrap-function.js';
import type { InstrumentOptions } from './InstrumentOptions.js';

/**
 * Wraps `fn` for the global monitor (the last one `createMonitor` registered),
 * looked up at each call: before a monitor exists, or after it shut down,
 * calls pass straight through. Use it in modules that load before the
 * monitor is created; otherwise `monitor.instrument` is the same thing.
 *
 * @example
 * ```ts
 * // model.ts — no monitor needed here
 * export const predict = instrument(rawPredict, { model: 'churn', features: ([c]) => ({ age: c.age }) });
 * // main.ts
 * createMonitor({ serviceName: 'crm' });
 * ```
 */
export function instrument<F extends (...args: any[]) => any>(fn: F, options: InstrumentOptions<F>): F {
  return wrapFunction(fn, options, getGlobalMonitor);
}
