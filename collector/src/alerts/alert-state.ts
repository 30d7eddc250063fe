/**
 * The alert state machine, as in Prometheus, pure: no clock, no I/O.
 *
 * ```
 * inactive ──active──► pending ──held for `for`──► firing ──cleared (after keep_firing_for)──► resolved
 *     ▲                   │                           ▲
 *     └──── cleared ──────┘ (dropped)                 └── active again: stays firing
 * ```
 * With `for: 0s` an alert goes from inactive straight to firing. A resolved alert is
 * forgotten once its resolution is recorded; if its condition holds again it starts over.
 * With `consecutive_windows: N` (hysteresis) a pending alert also waits until its condition has
 * held in N consecutive evaluations (windows) of its series; one window without it drops the
 * pending alert, so the count starts again.
 */

/** States of one alert instance. `inactive` is the absence of an instance. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/** One alert instance (a rule and one series' labels) that is pending or firing. */
export interface ActiveAlert {
  rule: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  /** Last value of the condition's metric. */
  value: number;
  /** When the condition started to hold (ms). */
  activeAtMs: number;
  /** When it fired (ms), once firing. */
  firedAtMs?: number;
  /** Last evaluation at which the condition held (ms). */
  lastActiveAtMs: number;
  /**
   * Consecutive evaluations (windows) in which the condition held, this one included. Kept in
   * memory: an alert restored after a restart counts from 0 again.
   */
  windows?: number;
}

/** A change of state, stored in `alert_events`. */
export interface Transition {
  atMs: number;
  from: AlertState;
  to: AlertState;
  alert: ActiveAlert;
}

/** One evaluation's observation of a series: the condition holds (with the value and rendered labels) or not. */
export type Observation =
  | { active: true; value: number; labels: Record<string, string>; annotations: Record<string, string> }
  | { active: false };

/** Timing of a rule. */
export interface RuleTiming {
  forMs: number;
  keepFiringForMs: number;
  /** Consecutive windows the condition must hold before firing. @default 1 */
  consecutiveWindows?: number;
}

/** What {@link step} returns: the next instance (undefined: inactive) and the transitions taken. */
export interface StepResult {
  next: ActiveAlert | undefined;
  transitions: Transition[];
}

/**
 * Advances one instance by one evaluation at `nowMs`.
 * @param prev the instance before (undefined: inactive)
 */
export function step(prev: ActiveAlert | undefined, obs: Observation, nowMs: number, timing: RuleTiming, identity: { rule: string; fingerprint: string }): StepResult {
  if (!prev) {
    if (!obs.active) return { next: undefined, transitions: [] };
    const pending: ActiveAlert = {
      rule: identity.rule,
      fingerprint: identity.fingerprint,
      labels: obs.labels,
      annotations: obs.annotations,
      state: 'pending',
      value: obs.value,
      activeAtMs: nowMs,
      lastActiveAtMs: nowMs,
      windows: 1,
    };
    const toPending: Transition = { atMs: nowMs, from: 'inactive', to: 'pending', alert: pending };
    if (timing.forMs > 0 || (timing.consecutiveWindows ?? 1) > 1) return { next: pending, transitions: [toPending] };
    const firing: ActiveAlert = { ...pending, state: 'firing', firedAtMs: nowMs };
    return { next: firing, transitions: [{ atMs: nowMs, from: 'inactive', to: 'firing', alert: firing }] };
  }
  if (obs.active) {
    const updated: ActiveAlert = { ...prev, value: obs.value, labels: obs.labels, annotations: obs.annotations, lastActiveAtMs: nowMs, windows: (prev.windows ?? 0) + 1 };
    if (prev.state === 'pending' && nowMs - prev.activeAtMs >= timing.forMs && updated.windows! >= (timing.consecutiveWindows ?? 1)) {
      const firing: ActiveAlert = { ...updated, state: 'firing', firedAtMs: nowMs };
      return { next: firing, transitions: [{ atMs: nowMs, from: 'pending', to: 'firing', alert: firing }] };
    }
    return { next: updated, transitions: [] };
  }
  if (prev.state === 'pending') {
    return { next: undefined, transitions: [{ atMs: nowMs, from: 'pending', to: 'inactive', alert: prev }] };
  }
  if (nowMs - prev.lastActiveAtMs < timing.keepFiringForMs) return { next: prev, transitions: [] };
  return { next: undefined, transitions: [{ atMs: nowMs, from: 'firing', to: 'resolved', alert: prev }] };
}
