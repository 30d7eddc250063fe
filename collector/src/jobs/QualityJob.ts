import { SharedRunJob, type JobRunOptions } from './SharedRun.js';
import type { RunReport } from './JobUnits.js';
import {
  CBPE_METRICS,
  classificationFromConfusion,
  estimatePerformance,
  fitCbpe,
  type CbpeModel,
  logLossFromGroups,
  regressionFromSums,
  rocAucFromGroups,
  type ClassMetrics,
} from '@inferlens/stats';
import { latestFeedbackArrival } from '../store/repositories/feedback.js';
import { readCheckpointPair, writeCheckpoint } from '../store/repositories/job-checkpoints.js';
import { listStreams, type Stream } from '../store/repositories/model-activity.js';
import { datasetEstimationRows, estimationReferenceRows, qualityInputs, qualitySegmentInputs, scoreGroups, segmentScoreGroups, windowsWithNewFeedback, type QualityInputs, type ScoreGroup } from '../store/repositories/prediction-feedback.js';
import { referenceOf } from '../store/repositories/reference-profiles.js';
import { countPredictions } from '../store/repositories/predictions.js';
import { DEFAULT_QUALITY_OUTPUTS, type QualityModelConfig, type SegmentsConfig } from '../config.js';
import { OVERALL_SEGMENT, windowSegmentPlan } from './segments.js';
import { advanceWindows, type WindowTiming } from './event-windows.js';
import { QUALITY_RESULTS, type QualityResultRow } from '../store/schema/quality-results.js';

/** Options of a {@link QualityJob}. */
export interface QualityJobOptions extends WindowTiming, JobRunOptions {
  /** Output names per model; other models use {@link DEFAULT_QUALITY_OUTPUTS}. */
  models: readonly QualityModelConfig[];
  /**
   * Called after each window's results are written (first computation or recomputation), with the
   * whole window's result and every row written (for alert evaluation): the whole window's, then
   * one per segment, so that the rules see the window's series together.
   */
  onWindow?: (result: QualityWindowResult, rows: QualityResultRow[]) => void;
  /** Per-segment results (`segments`); absent: none. */
  segments?: SegmentsConfig;
}

/** Quality of one model version over one window of prediction event time (one `quality_results` row). */
export interface QualityWindowResult {
  project: string;
  model: string;
  version: string;
  /** '' for the whole window, else the segment (see `segments.ts`). */
  segment: string;
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
  /** Performance estimated from the scores before labels (CBPE); null when not estimated. */
  estimated: EstimatedQuality | null;
}

/** One estimated metric and its band; null where it cannot be estimated (no predicted positives, ...). */
export interface EstimatedValue {
  value: number | null;
  lower: number | null;
  upper: number | null;
}

/** A window's CBPE estimate (`estimated` of `GET /api/v1/quality`). */
export interface EstimatedQuality {
  /** The pinned reference it was calibrated on, and its labelled, scored rows. */
  referenceId: string;
  referenceRows: number;
  /** The window's predictions with a score. */
  rows: number;
  accuracy: EstimatedValue;
  precision: EstimatedValue;
  recall: EstimatedValue;
  f1: EstimatedValue;
  rocAuc: EstimatedValue;
}

/** Labelled reference rows CBPE is calibrated on, at most (the newest of the pinned range). */
export const ESTIMATION_REFERENCE_ROWS_MAX = 200_000;

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
  /** Fitted CBPE per reference id (null: that reference cannot calibrate one). */
  readonly #estimators = new Map<string, CbpeModel | null>();

  #outputs(model: string): Omit<QualityModelConfig, 'model'> {
    return this.opts.models.find((m) => m.model === model) ?? DEFAULT_QUALITY_OUTPUTS;
  }

  protected async run(): Promise<RunReport> {
    const keys = await listStreams(this.store);
    return this.units.run(keys, (key) => ({ project: key.project, model: key.model, version: key.version }), async (key) => {
      const advanced = await advanceWindows(this.store, { job: JOB, ...key }, { ...this.opts, signal: this.signal }, (start, end) => this.#compute(key, start, end, false));
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
  async #recomputeLate(key: Stream): Promise<number> {
    const [checkpointMs, seen] = await readCheckpointPair(this.store, [JOB, SCAN_JOB], key);
    if (checkpointMs === null) return 0;
    const since = seen === null ? 0 : seen - SCAN_OVERLAP_MS;
    const candidates = await windowsWithNewFeedback(this.store, key, { windowMs: this.opts.windowMs, checkpointMs, sinceMs: since });
    let written = 0;
    let newestSeen = seen ?? 0;
    for (const c of candidates) {
      // Stopping: the scan mark stays where it was, so the next start looks at the rest again
      // (the windows already recomputed compare equal and are skipped).
      if (this.signal.aborted) return written;
      newestSeen = Math.max(newestSeen, c.newestMs);
      if (c.storedMs !== null && c.newestMs <= c.storedMs) continue;
      written += (await this.#compute(key, c.startMs, c.startMs + this.opts.windowMs, true)) > 0 ? 1 : 0;
    }
    // Everything received up to now has been looked at for this stream's closed windows.
    newestSeen = Math.max(newestSeen, await latestFeedbackArrival(this.store, key.project));
    if (seen === null || newestSeen > seen) await writeCheckpoint(this.store, SCAN_JOB, key, newestSeen);
    return written;
  }

  /**
   * CBPE for the stream's reference, fitted once per reference on its labelled rows with a score
   * (both classes needed): a pinned range's predictions with a feedback label, or an uploaded data
   * set's rows with a label (`labelColumn`, or `label` in a row).
   */
  async #estimator(key: Stream): Promise<{ referenceId: string; model: CbpeModel } | undefined> {
    const ref = await referenceOf(this.store, key.project, key.model, key.version);
    if (!ref) return undefined;
    const pinned = ref.kind === 'pinned' && ref.sourceFromMs !== null && ref.sourceToMs !== null;
    if (!pinned && ref.kind !== 'dataset') return undefined;
    if (!this.#estimators.has(ref.referenceId)) {
      const outputs = this.#outputs(key.model);
      const rows = pinned
        ? await estimationReferenceRows(
            this.store,
            { project: key.project, model: key.model, version: ref.sourceVersion },
            { fromMs: ref.sourceFromMs!, toMs: ref.sourceToMs! },
            outputs,
            ESTIMATION_REFERENCE_ROWS_MAX,
          )
        : await datasetEstimationRows(this.store, { project: key.project, referenceId: ref.referenceId }, outputs, ESTIMATION_REFERENCE_ROWS_MAX);
      const positives = rows.filter((r) => r.truth).length;
      this.#estimators.set(ref.referenceId, positives > 0 && positives < rows.length ? fitCbpe(rows) : null);
    }
    const model = this.#estimators.get(ref.referenceId);
    return model ? { referenceId: ref.referenceId, model } : undefined;
  }

  async #compute(key: Stream, start: number, end: number, recomputed: boolean): Promise<number> {
    const range = { fromMs: start, toMs: end };
    const predictions = await countPredictions(this.store, key, range);
    if (predictions === 0) return 0;
    // Once per window: the window and its segments share the outputs and the reference's calibration.
    const outputs = this.#outputs(key.model);
    const estimator = await this.#estimator(key);
    const inputs = await qualityInputs(this.store, key, range, outputs);
    const estimate = estimator ? estimated(estimator, await scoreGroups(this.store, key, range, outputs)) : null;
    const overall = { ...resultOf(key, start, end, OVERALL_SEGMENT, predictions, inputs, recomputed), estimated: estimate };
    const results = [overall, ...(await this.#segments(key, start, end, recomputed, outputs, estimator))];
    const rows = results.map(qualityResultRow);
    await this.store.insert(QUALITY_RESULTS, rows);
    this.opts.onWindow?.(overall, rows);
    return predictions;
  }

  /**
   * The realized metrics of the window's segments (its most frequent segment values, the rest as
   * `other`), from the same aggregations as the whole window's, grouped by segment.
   */
  async #segments(
    key: Stream,
    start: number,
    end: number,
    recomputed: boolean,
    outputs: Omit<QualityModelConfig, 'model'>,
    estimator: { referenceId: string; model: CbpeModel } | undefined,
  ): Promise<QualityWindowResult[]> {
    const range = { fromMs: start, toMs: end };
    const plan = await windowSegmentPlan(this.store, this.opts.segments, key, range);
    if (!plan) return [];
    const { names, grouping } = plan;
    const inputs = await qualitySegmentInputs(this.store, key, range, outputs, grouping);
    // Each segment's performance estimated by the reference's calibration, from its own scores.
    const scores = estimator ? await segmentScoreGroups(this.store, key, range, outputs, grouping) : undefined;
    return names.flatMap((segment) => {
      const own = inputs.get(segment);
      if (!own || own.predictions === 0) return [];
      return [{ ...resultOf(key, start, end, segment, own.predictions, own, recomputed), estimated: estimator ? estimated(estimator, scores?.get(segment) ?? []) : null }];
    });
  }
}

/** The CBPE estimate of predictions in `groups` (a window's or a segment's), by `estimator`; null without any. */
function estimated(estimator: { referenceId: string; model: CbpeModel }, groups: ScoreGroup[]): EstimatedQuality | null {
  if (groups.length === 0) return null;
  const e = estimatePerformance(estimator.model, groups);
  const metric = (m: (typeof CBPE_METRICS)[number]): EstimatedValue =>
    Number.isFinite(e[m].value) ? { value: e[m].value, lower: fin(e[m].lower), upper: fin(e[m].upper) } : { value: null, lower: null, upper: null };
  return {
    referenceId: estimator.referenceId,
    referenceRows: estimator.model.referenceRows,
    rows: e.rows,
    accuracy: metric('accuracy'),
    precision: metric('precision'),
    recall: metric('recall'),
    f1: metric('f1'),
    rocAuc: metric('rocAuc'),
  };
}

/** A window's (or segment's) realized metrics, finished from its aggregations; no estimate. */
function resultOf(key: Stream, start: number, end: number, segment: string, predictions: number, inputs: QualityInputs, recomputed: boolean): QualityWindowResult {
  const { labels: lab, confusion, scores, regression: reg } = inputs;
  const labelled = Number(lab?.n ?? 0);
  const cls = classificationFromConfusion(confusion.map((c) => ({ truth: c.truth, predicted: c.predicted, count: Number(c.count) })));
  const groups = scores.map((g) => ({ score: Number(g.score), positives: Number(g.positives), negatives: Number(g.negatives) }));
  const scoredRows = groups.reduce((a, g) => a + g.positives + g.negatives, 0);
  const regression = regressionFromSums({
    rows: Number(reg?.rows ?? 0), absError: Number(reg?.abs ?? 0), squaredError: Number(reg?.sq ?? 0), nonZeroRows: Number(reg?.nz ?? 0), absPercentError: Number(reg?.ape ?? 0),
  });
  return {
    ...key,
    segment,
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
    estimated: null,
  };
}

/** The `quality_results` row of one window's result. */
export function qualityResultRow(r: QualityWindowResult): QualityResultRow {
  return {
    Project: r.project,
    ModelName: r.model,
    ModelVersion: r.version,
    Segment: r.segment,
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
    Estimated: r.estimated ? JSON.stringify(r.estimated) : '',
  };
}
