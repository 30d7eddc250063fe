import { MonitorImpl } from './internal/MonitorImpl.js';
import type { Monitor } from './Monitor.js';
import type { MonitorOptions } from './MonitorOptions.js';

/**
 * Creates a monitor: prediction spans, prediction records and feedback,
 * exported in the background to the collector at `endpoint`. Unless
 * `registerGlobal` is false, the monitor also serves the top-level
 * `instrument()` wrappers. Never throws; bad options are logged through
 * `diag` and replaced by their defaults.
 *
 * @example
 * ```ts
 * import { createMonitor } from '@inferlens/sdk';
 *
 * const monitor = createMonitor({ serviceName: 'checkout', project: 'payments', sampleRate: 0.5 });
 * const score = monitor.instrument(fraudModel.score, {
 *   model: 'fraud', version: 'v3',
 *   features: ([tx]) => ({ amount: tx.amount, country: tx.country }),
 *   output: (s) => ({ score: s }),
 * });
 * process.on('SIGTERM', () => void monitor.shutdown());
 * ```
 */
export function createMonitor(options: MonitorOptions): Monitor {
  return new MonitorImpl(options ?? ({} as MonitorOptions));
}
