import type { MonitorCore } from './MonitorCore.js';

// The monitor the top-level `instrument()` wrappers use, like the OpenTelemetry API's global provider.
let current: MonitorCore | undefined;

/** The registered monitor, if any. */
export function getGlobalMonitor(): MonitorCore | undefined {
  return current;
}

/** Registers `monitor` as the global one. */
export function setGlobalMonitor(monitor: MonitorCore): void {
  current = monitor;
}

/** Unregisters `monitor` if it is the global one. */
export function clearGlobalMonitor(monitor: MonitorCore): void {
  if (current === monitor) current = undefined;
}
