import { SharedRunJob, type JobRunOptions } from './SharedRun.js';
import type { RunReport } from './JobUnits.js';
import { burnRate, errorBudgetRemaining } from '@inferlens/stats';
import { streamsOfModel } from '../store/repositories/model-activity.js';
import { slaPeriodTotals, slaWindowTotals, type PredictionScope } from '../store/repositories/predictions.js';
import type { SloConfig } from '../config.js';
import { advanceWindows, type WindowTiming } from './event-windows.js';
import { SLA_RESULTS, type SlaResultRow } from '../store/schema/sla-results.js';

/** Options of an {@link SlaJob}. */
export interface SlaJobOptions extends WindowTiming, JobRunOptions {
  slos: readonly SloConfig[];
  /** Called after each closed window's result is written, with the row written (for alert evaluation). */
  onWindow?: (result: SlaWindowResult, row: SlaResultRow) => void;
}

/** Burn rates of one multiwindow pair at a window's end. */
export interface BurnRateResult {
  longSeconds: number;
  shortSeconds: number;
  factor: number;
  longBurnRate: number;
  shortBurnRate: number;
  /** Both windows burn faster than `factor`. */
  firing: boolean;
}

/** What the SLA job computes for one SLO, model version and window (one `sla_results` row). */
export interface SlaWindowResult {
  project: string;
  slo: string;
  model: string;
  version: string;
  environment: string;
  windowStartMs: number;
  windowEndMs: number;
  /** Stored prediction rows in the window. */
  rows: number;
  /** Predictions represented, each row weighted by 1 / SampleRate. */
  requests: number;
  errors: number;
  errorRate: number;
  availability: number;
  /** Exact percentiles of successful predictions' latency (null without any). */
  latencyP50: number | null;
  latencyP90: number | null;
  latencyP95: number | null;
  latencyP99: number | null;
  latencyPercentile: number | null;
  latencyObservedMs: number | null;
  latencyThresholdMs: number | null;
  latencyMet: boolean | null;
  errorRateObjective: number | null;
  errorRateMet: boolean | null;
  availabilityTarget: number | null;
  availabilityMet: boolean | null;
  /** Rolling period ending at the window's end over which the error budget is counted. */
  periodSeconds: number;
  periodRequests: number;
  periodErrors: number;
  /** 1 untouched, 0 spent, negative overspent; null without an availability or error-rate objective. */
  errorBudgetRemaining: number | null;
  burnRates: BurnRateResult[];
  /** Any objective breached in this window. */
  breached: boolean;
}

const DEFAULT_PERIOD_SECONDS = 30 * 86_400;

function num(x: unknown): number | null {
  if (x === null || x === undefined) return null;
  const n = Number(x);
  return Number.isFinite(n) ? n : null;
}

/**
 * The SLA job. For every configured SLO and every model version it applies to (the SLO's own
 * version, or each version of the model seen in `predictions`), it closes event-time windows with
 * the same watermark and checkpoint machinery as the drift job (checkpoint job name
 * `sla:<slo name>`) and writes one `sla_results` row per window:
 *
 * - latency percentiles of successful predictions, exact (`quantileExactInclusive`, linear
 *   interpolation between order statistics: numpy's default method) over the window's rows;
 * - error rate and availability (1 − error rate), each row weighted by 1 / SampleRate;
 * - compliance per objective; error budget remaining over the rolling period ending at the
 *   window's end; burn rates of every multiwindow pair ending at the window's end.
 *
 * The budget fraction is 1 − availability target, or the error-rate objective when the SLO has
 * no availability target.
 */
export class SlaJob extends SharedRunJob<SlaJobOptions> {
  protected async run(): Promise<RunReport> {
    const units: Array<{ slo: SloConfig; project: string; version: string }> = [];
    for (const slo of this.opts.slos) {
      for (const s of await streamsOfModel(this.store, slo.model, slo.version)) units.push({ slo, project: s.project, version: s.version });
    }
    return this.units.run(
      units,
      (u) => ({ project: u.project, model: u.slo.model, version: u.version, slo: u.slo.name }),
      async ({ slo, project, version }) => {
        const stream = { job: `sla:${slo.name}`, project, model: slo.model, version, environment: slo.environment };
        return advanceWindows(this.store, stream, { ...this.opts, signal: this.signal }, async (start, end, scope) => {
          const result = await this.#window(slo, scope, start, end);
          if (!result) return 0;
          const row = slaResultRow(result);
          await this.store.insert(SLA_RESULTS, [row]);
          this.opts.onWindow?.(result, row);
          return result.rows;
        });
      },
      this.signal,
    );
  }

  async #window(slo: SloConfig, scope: PredictionScope, start: number, end: number): Promise<SlaWindowResult | undefined> {
    const w = await slaWindowTotals(this.store, scope, { fromMs: start, toMs: end }, (slo.latency?.percentile ?? 99) / 100);
    if (!w) return undefined;
    const { rows, requests, errors } = w;
    const errorRate = requests > 0 ? errors / requests : 0;
    const availability = 1 - errorRate;
    const budgetFraction = slo.availability ? 1 - slo.availability.target : slo.errorRate;
    const periodSeconds = slo.availability?.periodSeconds ?? DEFAULT_PERIOD_SECONDS;

    // Period and burn-rate windows all end at the window's end: one pass over the longest.
    const spans = [periodSeconds, ...slo.burnRates.flatMap((b) => [b.longSeconds, b.shortSeconds])];
    const periods = await slaPeriodTotals(this.store, scope, end, spans);
    const t = (i: number) => periods.requests[i]!;
    const e = (i: number) => periods.errors[i]!;
    const burnRates: BurnRateResult[] =
      budgetFraction === undefined
        ? []
        : slo.burnRates.map((b, i) => {
            const longBurnRate = burnRate(e(1 + 2 * i), t(1 + 2 * i), budgetFraction);
            const shortBurnRate = burnRate(e(2 + 2 * i), t(2 + 2 * i), budgetFraction);
            return { ...b, longBurnRate, shortBurnRate, firing: longBurnRate > b.factor && shortBurnRate > b.factor };
          });

    const latencyObservedMs = slo.latency ? num(w.percentile) : null;
    const latencyMet = slo.latency && latencyObservedMs !== null ? latencyObservedMs <= slo.latency.thresholdMs : null;
    const errorRateMet = slo.errorRate !== undefined ? errorRate <= slo.errorRate : null;
    const availabilityMet = slo.availability ? availability >= slo.availability.target : null;
    return {
      project: scope.project,
      slo: slo.name,
      model: slo.model,
      version: scope.version,
      environment: slo.environment ?? '',
      windowStartMs: start,
      windowEndMs: end,
      rows,
      requests,
      errors,
      errorRate,
      availability,
      latencyP50: num(w.quantiles[0]),
      latencyP90: num(w.quantiles[1]),
      latencyP95: num(w.quantiles[2]),
      latencyP99: num(w.quantiles[3]),
      latencyPercentile: slo.latency?.percentile ?? null,
      latencyObservedMs,
      latencyThresholdMs: slo.latency?.thresholdMs ?? null,
      latencyMet,
      errorRateObjective: slo.errorRate ?? null,
      errorRateMet,
      availabilityTarget: slo.availability?.target ?? null,
      availabilityMet,
      periodSeconds,
      periodRequests: t(0),
      periodErrors: e(0),
      errorBudgetRemaining: budgetFraction === undefined ? null : errorBudgetRemaining(e(0), t(0), budgetFraction),
      burnRates,
      breached: latencyMet === false || errorRateMet === false || availabilityMet === false,
    };
  }
}

/** The `sla_results` row of one window's result. */
export function slaResultRow(r: SlaWindowResult): SlaResultRow {
  return {
    Project: r.project,
    Slo: r.slo,
    ModelName: r.model,
    ModelVersion: r.version,
    Environment: r.environment,
    WindowStart: r.windowStartMs,
    WindowEnd: r.windowEndMs,
    Rows: r.rows,
    Requests: r.requests,
    Errors: r.errors,
    ErrorRate: r.errorRate,
    Availability: r.availability,
    LatencyP50: r.latencyP50,
    LatencyP90: r.latencyP90,
    LatencyP95: r.latencyP95,
    LatencyP99: r.latencyP99,
    LatencyPercentile: r.latencyPercentile,
    LatencyObservedMs: r.latencyObservedMs,
    LatencyThresholdMs: r.latencyThresholdMs,
    LatencyMet: r.latencyMet,
    ErrorRateObjective: r.errorRateObjective,
    ErrorRateMet: r.errorRateMet,
    AvailabilityTarget: r.availabilityTarget,
    AvailabilityMet: r.availabilityMet,
    PeriodSeconds: r.periodSeconds,
    PeriodRequests: r.periodRequests,
    PeriodErrors: r.periodErrors,
    ErrorBudgetRemaining: r.errorBudgetRemaining,
    BurnRates: JSON.stringify(r.burnRates),
    BurnRateFiring: r.burnRates.some((b) => b.firing),
    Breached: r.breached,
  };
}
