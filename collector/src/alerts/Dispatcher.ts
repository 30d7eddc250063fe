import { alertmanagerPayload, slackPayload, webhookPayload, type NotifyAlert } from './payloads.js';
import type { ReceiverConfig } from './rules-file.js';

/** Outcome of one notification (after its retries). */
export interface DeliveryRecord {
  atMs: number;
  receiver: string;
  kind: string;
  groupKey: string;
  status: 'sent' | 'failed';
  attempts: number;
  alerts: number;
  error: string;
}

/** Options of a {@link Dispatcher}. */
export interface DispatcherOptions {
  /** Base of generator URLs and the webhook's `externalURL` (a function: the port is known only once listening). */
  externalUrl: () => string;
  /** How often firing alerts are re-sent to Alertmanager receivers; `endsAt` is 4 times this ahead. @default 60000 */
  resendDelayMs: number;
  /** Called with the outcome of each notification. */
  onDelivery?: (record: DeliveryRecord) => void;
  now?: () => number;
}

interface Group {
  key: string;
  receiver: ReceiverConfig;
  labels: Record<string, string>;
  alerts: Map<string, NotifyAlert>;
  /** When the group is next due while it holds firing alerts. */
  nextDueMs: number;
  sending: Promise<void> | undefined;
  dirty: boolean;
}

/**
 * Groups alerts per receiver by the receiver's `group_by` labels and delivers them:
 * at once when an alert of the group fires or resolves, again every `repeat_interval`
 * while any still fires (Alertmanager receivers: every `resendDelayMs`, before the
 * `endsAt` sent last passes). Each notification is tried `attempts` times with
 * exponential backoff; the outcome is reported through `onDelivery`.
 */
export class Dispatcher {
  readonly #opts: DispatcherOptions;
  readonly #now: () => number;
  #receivers = new Map<string, ReceiverConfig>();
  readonly #groups = new Map<string, Group>();
  readonly #recent: DeliveryRecord[] = [];
  #closed = false;
  readonly #timers = new Map<NodeJS.Timeout, () => void>();

  constructor(options: DispatcherOptions) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
  }

  /** Replaces the receivers (on rules reload). Groups of removed receivers are dropped. */
  setReceivers(receivers: readonly ReceiverConfig[]): void {
    this.#receivers = new Map(receivers.map((r) => [r.name, r]));
    for (const [key, g] of this.#groups) {
      const r = this.#receivers.get(g.receiver.name);
      if (!r || JSON.stringify(r) !== JSON.stringify(g.receiver)) this.#groups.delete(key);
    }
  }

  /** Generator URL of an alert of a rule. */
  generatorUrl(rule: string): string {
    return `${this.#opts.externalUrl().replace(/\/+$/, '')}/api/v1/alerts/history?rule=${encodeURIComponent(rule)}`;
  }

  /**
   * Takes alerts that fired, resolved or changed. `notifyNow` false only refreshes a firing
   * alert's labels, annotations and value without sending.
   */
  update(changes: Array<{ alert: NotifyAlert; receivers: readonly string[]; notifyNow: boolean }>): void {
    const touched = new Set<Group>();
    for (const { alert, receivers, notifyNow } of changes) {
      for (const name of receivers) {
        const receiver = this.#receivers.get(name);
        if (!receiver) continue;
        const labels = Object.fromEntries(receiver.groupBy.map((l) => [l, alert.labels[l] ?? '']));
        const key = `${receiver.name}:${JSON.stringify(labels)}`;
        let g = this.#groups.get(key);
        if (!g) {
          if (alert.status === 'resolved' && !notifyNow) continue;
          g = { key, receiver, labels, alerts: new Map(), nextDueMs: 0, sending: undefined, dirty: false };
          this.#groups.set(key, g);
        }
        // A resolution of an alert no receiver ever heard of as firing is not news.
        if (alert.status === 'resolved' && !g.alerts.has(alert.fingerprint)) continue;
        g.alerts.set(alert.fingerprint, alert);
        if (notifyNow) touched.add(g);
      }
    }
    for (const g of touched) this.#flush(g);
  }

  /** Sends every group that is due (call periodically). */
  tick(): void {
    const now = this.#now();
    for (const g of this.#groups.values()) {
      if (g.nextDueMs <= now && [...g.alerts.values()].some((a) => a.status === 'firing')) this.#flush(g);
    }
  }

  /** Recent delivery outcomes, newest last (at most 100). */
  recent(): DeliveryRecord[] {
    return [...this.#recent];
  }

  /** Waits for notifications in flight. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.#groups.values()].map((g) => g.sending).filter((p): p is Promise<void> => p !== undefined);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /** Stops retries and timers; notifications in flight finish their current attempt. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [t, wake] of this.#timers) {
      clearTimeout(t);
      wake();
    }
    this.#timers.clear();
    await this.idle();
  }

  #flush(g: Group): void {
    if (g.sending) {
      g.dirty = true;
      return;
    }
    g.dirty = false;
    g.sending = this.#send(g).finally(() => {
      g.sending = undefined;
      if (g.dirty && !this.#closed) this.#flush(g);
    });
  }

  async #send(g: Group): Promise<void> {
    const alerts = [...g.alerts.values()];
    if (alerts.length === 0) return;
    const now = this.#now();
    const r = g.receiver;
    const interval = r.target.kind === 'alertmanager' ? this.#opts.resendDelayMs : r.repeatIntervalMs;
    let url = r.target.url;
    let body: unknown;
    if (r.target.kind === 'alertmanager') {
      url = `${r.target.url}/api/v2/alerts`;
      body = alertmanagerPayload(alerts, now, 4 * this.#opts.resendDelayMs);
    } else if (r.target.kind === 'slack') {
      body = slackPayload(r, g.labels, alerts);
    } else {
      body = webhookPayload(r, g.key, g.labels, alerts, this.#opts.externalUrl());
    }
    const text = JSON.stringify(body);
    let attempts = 0;
    let error = '';
    while (attempts < r.attempts && !this.#closed) {
      if (attempts > 0) await this.#sleep(Math.min(r.backoffMs * 2 ** (attempts - 1), 60_000));
      if (this.#closed) break;
      attempts++;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          error = '';
          break;
        }
        error = `HTTP ${res.status} from ${url}`;
      } catch (err) {
        error = `${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause: Error }).cause.message}` : ''} (${url})`;
      }
    }
    const ok = error === '' && attempts > 0;
    const done = this.#now();
    // Resolutions are sent once (with retries); firing alerts are repeated while they fire.
    for (const a of alerts) if (a.status === 'resolved' && g.alerts.get(a.fingerprint) === a) g.alerts.delete(a.fingerprint);
    if (g.alerts.size === 0) this.#groups.delete(g.key);
    g.nextDueMs = done + (ok ? interval : Math.min(interval, 60_000));
    this.#record({ atMs: done, receiver: r.name, kind: r.target.kind, groupKey: g.key, status: ok ? 'sent' : 'failed', attempts, alerts: alerts.length, error });
  }

  #record(rec: DeliveryRecord): void {
    this.#recent.push(rec);
    if (this.#recent.length > 100) this.#recent.shift();
    this.#opts.onDelivery?.(rec);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        res();
      }, ms);
      this.#timers.set(t, res);
    });
  }
}
