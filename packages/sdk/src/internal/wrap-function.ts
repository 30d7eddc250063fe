import type { InstrumentOptions } from '../InstrumentOptions.js';
import type { MonitorCore } from './MonitorCore.js';
import { runInstrumented, type PlanSlot } from './run-instrumented.js';

/**
 * Builds the wrapper returned by `instrument`. The monitor is looked up per
 * call, so a wrapper made before a monitor exists, or used after it shut
 * down, passes calls straight through to `fn`. `name` and `length` are kept.
 */
export function wrapFunction<F extends (...args: any[]) => any>(fn: F, options: InstrumentOptions<F>, monitor: () => MonitorCore | undefined): F {
  if (typeof fn !== 'function') return fn;
  const slot: PlanSlot = { plan: undefined };
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    let core: MonitorCore | undefined;
    try {
      core = monitor();
      if (core && !core.isActive()) core = undefined;
    } catch {
      core = undefined;
    }
    if (!core) return Reflect.apply(fn, this, args);
    return runInstrumented(core, fn, this, args, options as InstrumentOptions<(...args: any[]) => any>, slot);
  };
  try {
    Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
    Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  } catch {
    // cosmetic only
  }
  return wrapped as F;
}
