import { SharedRunJob, type JobRunOptions } from './SharedRun.js';
import type { RunReport } from './JobUnits.js';
import { predictionFeedbackJoin } from './feedback-join.js';
import {
  classificationFromConfusion,
  logLossFromGroups,
  regressionFromSums,
  rocAucFromGroups,
  type ClassMetrics,
} from '@inferlens/stats';
import type { ClickHouseStore, QueryParams } from '../store/ClickHouseStore.js';
import { DEFAULT_QUALITY_OUTPUTS, type QualityModelConfig } from '../quality-config.js';
import { advanceWindows, type WindowTiming } from './event-windows.js';
import { JOB_CHECKPOINTS } from '../store/schema/job-checkpoints.js';
import { QUALITY_RESULTS, type QualityResultRow } from '../store/schema/quality-results.js';

/** Options of a {@link QualityJob}. */
export interface QualityJobOptions extends WindowTiming, JobRunOptions {
  /** Output names per model; other models use {@link DEFAULT_QUALITY_OUTPUTS}. */
  models: readonly QualityModelConfig[];
  /** Called after each window's result is written (first computation or recomputation), with the row written (for alert evaluation). */
  onWindow?: (result: QualityWindowResult, row: QualityResultRow) => void;
}

/** Quality of one model version over one window of prediction event time (one `quality_results` row). */
export interface QualityWindowResult {
  project: string;
  model: string;
  version: string;
  windowStartMs: number;
  windowEndMs: number;
  /** Predictions in the window. */
  predictions: number;
  /** Predictions with feedback (a label or a value). */
  labelled: number;
  labelCoverage: number;
  /** Feedback time minus prediction time, seconds, over labelled predictions (null without any). */
  labelDelayP50Seconds: number | null;
  labelDelayP90Seconds: number | null;
  labelDelayMaxSeconds: number | null;
  /** Rows with a feedback label and a predicted label. */
  classifiedRows: number;
  accuracy: number | null;
  macroPrecision: number | null;
  macroRecall: number | null;
  macroF1: number | null;
  classes: Record<string, ClassMetrics>;
  /** Rows with a feedback label and a score output. */
  scoredRows: number;
  rocAuc: number | null;
  logLoss: number | null;
  /** Rows with a feedback value and a value output. */
  regressionRows: number;
  mae: number | null;
  rmse: number | null;
  mape: number | null;
  /** Newest `ReceivedAt` of the feedback counted, ms; a newer one for the window triggers a recomputation. */
  maxFeedbackReceivedAtMs: number;
  /** True when this write replaces an earlier result of the window. */
  recomputed: boolean;
}

const JOB = 'quality';
const SCAN_JOB = 'quality-feedback';
const SCAN_OVERLAP_MS = 60_000;
const fin = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * The quality job. For every model version in `predictions` it closes event-time windows with
 * the shared watermark and checkpoint machinery, joins the window's predictions with their
 * feedback by prediction id (the newest feedback per id wins), and writes one `quality_results`
 * row: label coverage and delay, classification metrics (accuracy, precision/recall/F1 per class
 * and macro, ROC AUC and log loss of the score output for the positive class) and regression
 * metrics (MAE, RMSE, MAPE). Joins and aggregation run in ClickHouse; `@inferlens/stats`
 * finishes the metrics from the confusion matrix, score groups and error sums.
 *
 * Feedback usually arrives hours later, so every run also looks for feedback received after the
 * newest one already counted for the stream, and recomputes each closed window whose newest
 * feedback is newer than the one its stored result counted (idempotent: the row is replaced).
 */
export class QualityJob extends SharedRunJob<QualityJobOptions> {
  #outputs(model: string): Omit<QualityModelConfig, 'model'> {
    return this.opts.models.find((m) => m.model === model) ?? DEFAULT_QUALITY_OUTPUTS;
  }

  protected async run(): Promise<RunReport> {
    const streams = await this.store.query<{ Project: string; ModelName: string; ModelVersion: string }>(
      'SELECT DISTINCT Project, ModelName, ModelVersion FROM model_activity ORDER BY Project, ModelName, ModelVersion',
    );
    const keys = streams.map((s) => ({ project: s.Project, model: s.ModelName, version: s.ModelVersion }));
    return this.units.run(keys, (key) => key, async (key) => {
      const advanced = await advanceWindows(this.store, { job: JOB, ...key }, { ...this.opts, signal: this.signal }, (start, end, where, params) =>
        this.#compute(key, start, end, where, params, false),
      );
      const recomputed = this.signal.aborted ? 0 : await this.#recomputeLate(key);
      return { windows: advanced.windows + recomputed, checkpointMs: advanced.checkpointMs };
    }, this.signal);
  }

  /**
   * Recomputes closed windows of the stream for which feedback arrived since the last scan (a mark
   * kept in `job_checkpoints` under job `quality-feedback`): each window whose newest feedback is
   * newer than the one its stored result counted. The scan looks back a minute before the mark, so
   * feedback committed slightly out of `ReceivedAt` order is not missed; the per-window comparison
   * keeps that overlap from recomputing anything twice.
   */
  async #recomputeLate(key: { project: string; model: string; version: string }): Promise<number> {
    const params: QueryParams = { ...key, job: JOB, scanJob: SCAN_JOB, w: this.opts.windowMs };
    const stream = 'Project = {project:String} AND ModelName = {model:String} AND ModelVersion = {version:String}';
    const [mark] = await this.store.query<{ cp: string | number | null; seen: string | number | null }>(
      `SELECT (SELECT toUnixTimestamp64Milli(WindowEnd) FROM job_checkpoints FINAL WHERE Job = {job:String} AND ${stream}) AS cp,
              (SELECT toUnixTimestamp64Milli(WindowEnd) FROM job_checkpoints FINAL WHERE Job = {scanJob:String} AND ${stream}) AS seen`,
      params,
    );
    if (!mark || mark.cp === null) return 0;
    const since = mark.seen === null ? 0 : Number(mark.seen) - SCAN_OVERLAP_MS;
    const fresh = `SELECT PredictionId, ReceivedAt FROM feedback WHERE Project = {project:String} AND ReceivedAt > fromUnixTimestamp64Milli({since:Int64})`;
    const candidates = await this.store.query<{ ws: string | number; newest: string | number; stored: string | number | null }>(
      `SELECT c.ws AS ws, c.newest AS newest, r.stored AS stored FROM (
         SELECT intDiv(toUnixTimestamp64Milli(p.Timestamp), {w:Int64}) * {w:Int64} AS ws, toUnixTimestamp64Milli(max(f.ReceivedAt)) AS newest
         FROM (SELECT PredictionId, Timestamp FROM predictions WHERE ${stream} AND Timestamp < fromUnixTimestamp64Milli({cp:Int64})
                 AND PredictionId IN (SELECT PredictionId FROM (${fresh}))) AS p
         INNER JOIN (${fresh}) AS f ON p.PredictionId = f.PredictionId
         GROUP BY ws
       ) AS c
       LEFT JOIN (SELECT toUnixTimestamp64Milli(WindowStart) AS ws, toNullable(toUnixTimestamp64Milli(MaxFeedbackReceivedAt)) AS stored
                  FROM quality_results FINAL WHERE ${stream}) AS r ON c.ws = r.ws
       ORDER BY ws`,
      { ...params, cp: Number(mark.cp), since },
    );
    let written = 0;
    let newestSeen = mark.seen === null ? 0 : Number(mark.seen);
    for (const c of candidates) {
      // Stopping: the scan mark stays where it was, so the next start looks at the rest again
      // (the windows already recomputed compare equal and are skipped).
      if (this.signal.aborted) return written;
      newestSeen = Math.max(newestSeen, Number(c.newest));
      if (c.stored !== null && Number(c.newest) <= Number(c.stored)) continue;
      const start = Number(c.ws);
      written += (await this.#compute(key, start, start + this.opts.windowMs, stream, { ...key }, true)) > 0 ? 1 : 0;
    }
    const [latest] = await this.store.query<{ t: string | number }>(
      `SELECT toUnixTimestamp64Milli(max(ReceivedAt)) AS t FROM feedback WHERE Project = {project:String}`,
      { project: key.project },
    );
    // Everything received up to now has been looked at for this stream's closed windows.
    newestSeen = Math.max(newestSeen, Number(latest?.t ?? 0));
    if (mark.seen === null || newestSeen > Number(mark.seen)) {
      await this.store.insert(JOB_CHECKPOINTS, [{ Job: SCAN_JOB, Project: key.project, ModelName: key.model, ModelVersion: key.version, WindowEnd: newestSeen }]);
    }
    return written;
  }

  async #compute(
    key: { project: string; model: string; version: string },
    start: number,
    end: number,
    where: string,
    params: QueryParams,
    recomputed: boolean,
  ): Promise<number> {
    const out = this.#outputs(key.model);
    const p: QueryParams = { ...params, from: start, to: end, labelOut: out.label, scoreOut: out.score, valueOut: out.value, positive: out.positiveClass };
    const range = `${where} AND Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp < fromUnixTimestamp64Milli({to:Int64})`;
    // The window's predictions with their newest feedback; names are distinct from the tables' so the join is unambiguous.
    const joined = predictionFeedbackJoin(range, { predictions: 'Timestamp AS PT', feedback: 'argMax(Timestamp, ReceivedAt) AS FT, max(ReceivedAt) AS R' });
    const [count] = await this.store.query<{ n: string }>(`SELECT count() AS n FROM predictions WHERE ${range}`, p);
    const predictions = Number(count?.n ?? 0);
    if (predictions === 0) return 0;
    const [lab] = await this.store.query<{ n: string; d: number[]; dmax: number | null; r: string | null }>(
      `SELECT count() AS n, quantilesExactInclusive(0.5, 0.9)(greatest(0, toUnixTimestamp64Milli(FT) - toUnixTimestamp64Milli(PT)) / 1000) AS d,
              max(greatest(0, toUnixTimestamp64Milli(FT) - toUnixTimestamp64Milli(PT)) / 1000) AS dmax, toString(toUnixTimestamp64Milli(max(R))) AS r
       FROM ${joined}`,
      p,
    );
    const labelled = Number(lab?.n ?? 0);
    const confusion = await this.store.query<{ truth: string; predicted: string; count: string }>(
      `SELECT L AS truth, PL AS predicted, count() AS count FROM ${joined} WHERE L != '' AND PL != '' GROUP BY truth, predicted`,
      p,
    );
    const scores = await this.store.query<{ score: number; positives: string; negatives: string }>(
      `SELECT S AS score, countIf(L = {positive:String}) AS positives, countIf(L != {positive:String}) AS negatives
       FROM ${joined} WHERE L != '' AND HasS GROUP BY score`,
      p,
    );
    const [reg] = await this.store.query<{ rows: string; abs: number; sq: number; nz: string; ape: number }>(
      `SELECT count() AS rows, sum(abs(V - PV)) AS abs, sum((V - PV) * (V - PV)) AS sq, countIf(V != 0) AS nz, sumIf(abs(V - PV) / abs(V), V != 0) AS ape
       FROM ${joined} WHERE V IS NOT NULL AND HasPV`,
      p,
    );
    const cls = classificationFromConfusion(confusion.map((c) => ({ truth: c.truth, predicted: c.predicted, count: Number(c.count) })));
    const groups = scores.map((g) => ({ score: Number(g.score), positives: Number(g.positives), negatives: Number(g.negatives) }));
    const scoredRows = groups.reduce((a, g) => a + g.positives + g.negatives, 0);
    const regression = regressionFromSums({
      rows: Number(reg?.rows ?? 0), absError: Number(reg?.abs ?? 0), squaredError: Number(reg?.sq ?? 0), nonZeroRows: Number(reg?.nz ?? 0), absPercentError: Number(reg?.ape ?? 0),
    });
    const result: QualityWindowResult = {
      ...key,
      windowStartMs: start,
      windowEndMs: end,
      predictions,
      labelled,
      labelCoverage: labelled / predictions,
      labelDelayP50Seconds: labelled > 0 ? fin(Number(lab!.d[0])) : null,
      labelDelayP90Seconds: labelled > 0 ? fin(Number(lab!.d[1])) : null,
      labelDelayMaxSeconds: labelled > 0 ? fin(Number(lab!.dmax)) : null,
      classifiedRows: cls.rows,
      accuracy: fin(cls.accuracy),
      macroPrecision: fin(cls.macro.precision),
      macroRecall: fin(cls.macro.recall),
      macroF1: fin(cls.macro.f1),
      classes: cls.classes,
      scoredRows,
      rocAuc: fin(rocAucFromGroups(groups)),
      logLoss: fin(logLossFromGroups(groups)),
      regressionRows: regression.rows,
      mae: fin(regression.mae),
      rmse: fin(regression.rmse),
      mape: fin(regression.mape),
      maxFeedbackReceivedAtMs: labelled > 0 ? Number(lab!.r) : 0,
      recomputed,
    };
    const row = qualityResultRow(result);
    await this.store.insert(QUALITY_RESULTS, [row]);
    this.opts.onWindow?.(result, row);
    return predictions;
  }
}

/** The `quality_results` row of one window's result. */
export function qualityResultRow(r: QualityWindowResult): QualityResultRow {
  return {
    Project: r.project,
    ModelName: r.model,
    ModelVersion: r.version,
    WindowStart: r.windowStartMs,
    WindowEnd: r.windowEndMs,
    Predictions: r.predictions,
    Labelled: r.labelled,
    LabelCoverage: r.labelCoverage,
    LabelDelayP50Seconds: r.labelDelayP50Seconds,
    LabelDelayP90Seconds: r.labelDelayP90Seconds,
    LabelDelayMaxSeconds: r.labelDelayMaxSeconds,
    ClassifiedRows: r.classifiedRows,
    Accuracy: r.accuracy,
    MacroPrecision: r.macroPrecision,
    MacroRecall: r.macroRecall,
    MacroF1: r.macroF1,
    Classes: JSON.stringify(r.classes),
    ScoredRows: r.scoredRows,
    RocAuc: r.rocAuc,
    LogLoss: r.logLoss,
    RegressionRows: r.regressionRows,
    Mae: r.mae,
    Rmse: r.rmse,
    Mape: r.mape,
    MaxFeedbackReceivedAt: r.maxFeedbackReceivedAtMs,
  };
}
