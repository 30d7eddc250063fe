import { createHash } from 'node:crypto';
import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { step, type ActiveAlert, type Transition } from './alert-state.js';
import type { Dispatcher } from './Dispatcher.js';
import type { NotifyAlert } from './payloads.js';
import { RESULT_SOURCES, samplesOf, TRAFFIC_SOURCE_NAME, type ResultSource, type Sample } from './result-sources.js';
import { holds, type AlertRule, type RulesFile } from './rules-file.js';
import { benjaminiHochberg } from '@inferlens/stats';
import { expandTemplate } from './templates.js';
import { compareLook, COMPARE_SOURCE_NAME, type LookState } from './compare-source.js';
import type { QualityModelConfig } from '../config.js';
import { readActiveAlerts, readCompareLooks, saveCompareLook } from '../store/repositories/alert-state.js';
import { lastArrivals } from '../store/repositories/model-activity.js';
import { ALERT_EVENTS } from '../store/schema/alert-events.js';
import { ALERT_STATE } from '../store/schema/alert-state.js';

/** A job reports a closed window: the result rows it has computed and written for it. */
export interface WindowReport<R = unknown> {
  /** The result source's name (`drift`, `sla`, `quality`). */
  source: string;
  project: string;
  model: string;
  version: string;
  windowEndMs: number;
  /** Further labels the window is scoped by (e.g. `{ slo: 'latency' }` when each SLO closes on its own). */
  labels?: Record<string, string>;
  /** The window's result rows, as written to the source's table (`DriftResultRow`, `SlaResultRow`, ...). */
  rows: readonly R[];
}

/** Options of an {@link AlertEngine}. */
export interface AlertEngineOptions {
  store: ClickHouseStore;
  dispatcher: Dispatcher;
  /** Job results rules can read. @default RESULT_SOURCES */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- adapters of different row types
  sources?: ReadonlyArray<ResultSource<any>>;
  /** How far back (arrival time) the traffic source looks for models, in ms. @default 7 days */
  trafficLookbackMs?: number;
  /** Output names per model (`quality.models`), for the quality dimensions of `compare` rules. @default [] */
  qualityModels?: readonly QualityModelConfig[];
  now?: () => number;
}

/**
 * The samples whose p-value (`metric`) Benjamini–Hochberg rejects at rate `q` among every sample
 * of the family that has one (the window's matching series).
 */
function discoveriesOf(family: readonly Sample[], metric: string, q: number): Set<Sample> {
  const tested = family.filter((s) => {
    const p = s.metrics[metric];
    return p !== null && p !== undefined && p >= 0 && p <= 1;
  });
  const { rejected } = benjaminiHochberg(tested.map((s) => s.metrics[metric]!), q);
  return new Set(tested.filter((_, i) => rejected[i]));
}

/** Stable identity of an alert instance: a hash of its sorted labels. */
export function fingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels).sort().map((k) => [k, labels[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/**
 * Evaluates rules and keeps alert instances. A job that wrote a window's results calls
 * {@link onWindow} with those rows; the engine turns them into samples through the source's
 * adapter (never reading them back from the table) and
 * steps every instance of that model version for the rules over that source (instances of
 * other models are untouched; a series whose metric is null in that window, not measured,
 * keeps its alert as it is). Traffic rules are evaluated by {@link evaluateTraffic} on a
 * timer. Every transition is written to `alert_events`, the current state to `alert_state`
 * (read back by {@link restore} after a restart), and handed to the dispatcher.
 * Evaluations run one at a time, in the order they were asked for.
 */
export class AlertEngine {
  readonly #store: ClickHouseStore;
  readonly #dispatcher: Dispatcher;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- adapters of different row types
  readonly #sources: Map<string, ResultSource<any>>;
  readonly #now: () => number;
  readonly #lookbackMs: number;
  readonly #qualityModels: readonly QualityModelConfig[];
  /** Looks taken by each `compare` rule (by rule name) at its current pair of versions. */
  readonly #looks = new Map<string, LookState>();
  #rules: RulesFile | undefined;
  readonly #active = new Map<string, ActiveAlert>();
  #queue: Promise<unknown> = Promise.resolve();
  #lastUpdate = 0;

  constructor(options: AlertEngineOptions) {
    this.#store = options.store;
    this.#dispatcher = options.dispatcher;
    this.#sources = new Map((options.sources ?? RESULT_SOURCES).map((s) => [s.name, s]));
    this.#now = options.now ?? Date.now;
    this.#lookbackMs = options.trafficLookbackMs ?? 7 * 86_400_000;
    this.#qualityModels = options.qualityModels ?? [];
  }

  /** The rules in force, if any. */
  get rules(): RulesFile | undefined {
    return this.#rules;
  }

  /** Pending and firing alerts, oldest first. */
  active(): ActiveAlert[] {
    return [...this.#active.values()].sort((a, b) => a.activeAtMs - b.activeAtMs || a.rule.localeCompare(b.rule));
  }

  /** Loads the alerts that were pending or firing when the collector stopped. */
  async restore(): Promise<void> {
    const rows = await readActiveAlerts(this.#store);
    // The compare rules' spent looks too (their α spending goes on where it stopped).
    const looks = await readCompareLooks(this.#store);
    this.#looks.clear();
    for (const [rule, state] of looks) this.#looks.set(rule, state);
    // Again on taking over the jobs lease: what the previous holder stored replaces what this collector knew.
    this.#active.clear();
    for (const r of rows) {
      const a: ActiveAlert = {
        rule: r.Rule,
        fingerprint: r.Fingerprint,
        labels: r.Labels,
        annotations: r.Annotations,
        state: r.State === 'firing' ? 'firing' : 'pending',
        value: Number(r.Value),
        activeAtMs: Number(r.activeAt),
        lastActiveAtMs: Number(r.lastActiveAt),
        ...(r.firedAt !== null && r.State === 'firing' ? { firedAtMs: Number(r.firedAt) } : {}),
      };
      this.#active.set(a.fingerprint, a);
    }
    this.#dispatcher.update(this.active().filter((a) => a.state === 'firing').map((a) => this.#change(a, 'firing', undefined, false)).filter((c) => c !== undefined));
  }

  /**
   * Puts a validated rules file in force. Alerts of rules that no longer exist are
   * resolved (firing) or dropped (pending).
   */
  setRules(rules: RulesFile): Promise<void> {
    return this.#serial(async () => {
      this.#rules = rules;
      this.#dispatcher.setReceivers(rules.receivers);
      const names = new Set(rules.rules.map((r) => r.alert));
      const transitions: Transition[] = [];
      for (const a of [...this.#active.values()]) {
        if (names.has(a.rule)) continue;
        this.#active.delete(a.fingerprint);
        transitions.push({ atMs: this.#now(), from: a.state, to: a.state === 'firing' ? 'resolved' : 'inactive', alert: a });
      }
      await this.#commit(transitions, [], new Map());
    });
  }

  /**
   * Evaluates the rules over `report.source` for the window a job has just written, from the rows
   * it hands over; rows of another window or model version than the report's are left out.
   */
  onWindow(report: WindowReport): Promise<Transition[]> {
    return this.#serial(async () => {
      const rules = this.#rules?.rules.filter((r) => r.when.source === report.source) ?? [];
      const source = this.#sources.get(report.source);
      if (rules.length === 0 || !source) return [];
      const scope = { project: report.project, model: report.model, version: report.version, ...report.labels };
      return this.#evaluate(rules, samplesOf(source, report.rows, report.windowEndMs, scope), scope);
    });
  }

  /** Evaluates the traffic rules: seconds since each model's last prediction (arrival time). */
  evaluateTraffic(): Promise<Transition[]> {
    return this.#serial(async () => {
      const rules = this.#rules?.rules.filter((r) => r.when.source === TRAFFIC_SOURCE_NAME) ?? [];
      if (rules.length === 0) return [];
      const now = this.#now();
      // Arrival time, not event time: a backfill of old events cannot hide a live model, and a
      // model whose clock is off does not vanish.
      const arrivals = await lastArrivals(this.#store, now - this.#lookbackMs);
      const samples: Sample[] = arrivals.map((r) => ({ labels: { project: r.project, model: r.model }, metrics: { seconds_since_last_prediction: Math.max(0, (now - r.lastMs) / 1000) } }));
      // A model silent for longer than the lookback no longer shows up: its firing alert keeps firing.
      for (const a of this.#active.values()) {
        if (!rules.some((r) => r.alert === a.rule)) continue;
        const project = a.labels.project ?? '';
        const model = a.labels.model ?? '';
        if (!samples.some((s) => s.labels.project === project && s.labels.model === model)) {
          samples.push({ labels: { project, model }, metrics: { seconds_since_last_prediction: a.value + (now - a.lastActiveAtMs) / 1000 } });
        }
      }
      return this.#evaluate(rules, samples, undefined);
    });
  }

  /**
   * Evaluates the `compare` rules whose next look is due: each compares its candidate with its
   * baseline over its trailing range (`GET /api/v1/compare`'s comparison) at the level its looks
   * have left (see `compare-source.ts`); a look that decides nothing leaves the rule's alert as it is.
   */
  evaluateCompare(): Promise<Transition[]> {
    return this.#serial(async () => {
      const rules = this.#rules?.rules.filter((r) => r.when.source === COMPARE_SOURCE_NAME) ?? [];
      const transitions: Transition[] = [];
      for (const rule of rules) {
        const look = await compareLook(this.#store, rule.when.compare!, this.#looks.get(rule.alert), this.#now(), this.#qualityModels);
        if (!look) continue;
        if (look.state && look.state !== this.#looks.get(rule.alert)) {
          this.#looks.set(rule.alert, look.state);
          await saveCompareLook(this.#store, rule.alert, look.state, this.#now());
        }
        const { project, model } = look.sample.labels as { project: string; model: string };
        transitions.push(...(await this.#evaluate([rule], [look.sample], { project, model })));
      }
      return transitions;
    });
  }

  /** Evaluates rules over samples given directly (tests, and jobs that hold their results in memory). */
  evaluateSamples(source: string, samples: Sample[], scope?: Record<string, string>): Promise<Transition[]> {
    return this.#serial(async () => this.#evaluate(this.#rules?.rules.filter((r) => r.when.source === source) ?? [], samples, scope));
  }

  /** Waits for evaluations in progress. */
  async idle(): Promise<void> {
    await this.#queue.catch(() => undefined);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Steps the instances of `rules`; an instance outside `scope` (labels it must carry) is left as it is. */
  async #evaluate(rules: AlertRule[], samples: Sample[], scope: Record<string, string> | undefined): Promise<Transition[]> {
    const now = this.#now();
    const transitions: Transition[] = [];
    const updated: ActiveAlert[] = [];
    const ruleOf = new Map<string, AlertRule>();
    for (const rule of rules) {
      const seen = new Set<string>();
      const match = Object.entries(rule.when.match);
      const matching = samples.filter((s) => match.every(([k, v]) => s.labels[k] === v));
      const discoveries = rule.when.fdr === undefined ? undefined : discoveriesOf(matching, rule.when.metric, rule.when.fdr);
      // A compare look that decided nothing has no verdict (''): it keeps the alerts it may be.
      const unknownOk = rule.when.source === COMPARE_SOURCE_NAME;
      for (const s of samples.filter((x) => match.every(([k, v]) => x.labels[k] === v || (unknownOk && x.labels[k] === '')))) {
        const value = s.metrics[rule.when.metric];
        const measured = !(value === null || value === undefined || Number.isNaN(value));
        if (measured && !match.every(([k, v]) => s.labels[k] === v)) continue;
        if (!measured) {
          // Not measured in this window (no labelled rows yet, an objective the SLO does not
          // declare): "no data" is not "recovered", so the series' alert stays as it is.
          for (const a of this.#active.values()) {
            if (a.rule === rule.alert && Object.entries(s.labels).every(([k, v]) => v === '' || a.labels[k] === v)) seen.add(a.fingerprint);
          }
          continue;
        }
        if (discoveries ? !discoveries.has(s) : !holds(rule.when, value)) continue;
        const base: Record<string, string> = { alertname: rule.alert };
        for (const [k, v] of Object.entries(s.labels)) if (v !== '') base[k] = v;
        const labels = { ...base };
        for (const [k, t] of Object.entries(rule.labels)) labels[k] = expandTemplate(t, base, value!);
        const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, t]) => [k, expandTemplate(t, labels, value!)]));
        const fp = fingerprint(labels);
        seen.add(fp);
        const r = step(this.#active.get(fp), { active: true, value: value!, labels, annotations }, now, rule, { rule: rule.alert, fingerprint: fp });
        this.#apply(fp, r.next, r.transitions, transitions, updated, ruleOf, rule);
      }
      for (const a of [...this.#active.values()]) {
        if (a.rule !== rule.alert || seen.has(a.fingerprint)) continue;
        if (scope && !Object.entries(scope).every(([k, v]) => (a.labels[k] ?? '') === v)) continue;
        const r = step(a, { active: false }, now, rule, { rule: rule.alert, fingerprint: a.fingerprint });
        this.#apply(a.fingerprint, r.next, r.transitions, transitions, updated, ruleOf, rule);
      }
    }
    await this.#commit(transitions, updated, ruleOf);
    return transitions;
  }

  #apply(fp: string, next: ActiveAlert | undefined, ts: Transition[], all: Transition[], updated: ActiveAlert[], ruleOf: Map<string, AlertRule>, rule: AlertRule): void {
    if (next) this.#active.set(fp, next);
    else this.#active.delete(fp);
    all.push(...ts);
    if (next) updated.push(next);
    ruleOf.set(rule.alert, rule);
  }

  async #commit(transitions: Transition[], updated: ActiveAlert[], ruleOf: Map<string, AlertRule>): Promise<void> {
    if (transitions.length > 0) {
      await this.#store.insert(
        ALERT_EVENTS,
        transitions.map((t) => ({
          Time: t.atMs,
          Rule: t.alert.rule,
          Fingerprint: t.alert.fingerprint,
          FromState: t.from,
          ToState: t.to,
          Value: t.alert.value,
          Labels: t.alert.labels,
          Annotations: t.alert.annotations,
          ActiveAt: t.alert.activeAtMs,
        })),
      );
    }
    // Current state: every instance that changed (a transition) or was refreshed while active.
    const changed = new Map<string, { a: ActiveAlert; deleted: boolean }>();
    for (const a of updated) changed.set(a.fingerprint, { a, deleted: false });
    for (const t of transitions) if (t.to === 'resolved' || t.to === 'inactive') changed.set(t.alert.fingerprint, { a: t.alert, deleted: true });
    if (changed.size > 0) {
      await this.#store.insert(
        ALERT_STATE,
        [...changed.values()].map(({ a, deleted }) => ({
          Fingerprint: a.fingerprint,
          Rule: a.rule,
          State: a.state,
          Labels: a.labels,
          Annotations: a.annotations,
          Value: a.value,
          ActiveAt: a.activeAtMs,
          FiredAt: a.firedAtMs ?? null,
          LastActiveAt: a.lastActiveAtMs,
          Deleted: deleted,
          UpdatedAt: this.#tick(),
        })),
      );
    }
    const changes = [];
    const fired = new Set(transitions.filter((t) => t.to === 'firing').map((t) => t.alert.fingerprint));
    for (const t of transitions) {
      if (t.to === 'firing') changes.push(this.#change(t.alert, 'firing', undefined, true, ruleOf.get(t.alert.rule)));
      if (t.to === 'resolved') changes.push(this.#change(t.alert, 'resolved', t.atMs, true, ruleOf.get(t.alert.rule)));
    }
    for (const a of updated) if (a.state === 'firing' && !fired.has(a.fingerprint)) changes.push(this.#change(a, 'firing', undefined, false, ruleOf.get(a.rule)));
    this.#dispatcher.update(changes.filter((c) => c !== undefined));
  }

  #change(a: ActiveAlert, status: 'firing' | 'resolved', endsAtMs: number | undefined, notifyNow: boolean, rule?: AlertRule) {
    const r = rule ?? this.#rules?.rules.find((x) => x.alert === a.rule);
    const receivers = r?.notify ?? [];
    // Receivers see the firing time as the start, as Prometheus's `activeAt` for `for`-less rules.
    const alert: NotifyAlert = {
      fingerprint: a.fingerprint,
      status,
      labels: a.labels,
      annotations: a.annotations,
      startsAtMs: a.firedAtMs ?? a.activeAtMs,
      ...(endsAtMs !== undefined ? { endsAtMs } : {}),
      generatorURL: this.#dispatcher.generatorUrl(a.rule),
    };
    return { alert, receivers, notifyNow };
  }

  /** A strictly increasing version for `alert_state` rows written within one millisecond. */
  #tick(): number {
    this.#lastUpdate = Math.max(this.#lastUpdate + 1, Date.now());
    return this.#lastUpdate;
  }
}

