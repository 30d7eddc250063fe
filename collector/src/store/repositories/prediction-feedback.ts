import type { ClickHouseStore, QueryParams } from '../ClickHouseStore.js';
import { streamWhere, windowWhere, type MillisRange, type PredictionScope } from './predictions.js';
import type { SegmentGrouping } from './segments.js';

/**
 * The SQL of predictions joined with their newest feedback (per prediction id, the feedback
 * received last wins), as a FROM-clause fragment with the columns the quality metrics read:
 * `PL` predicted label (the label output as text), `HasS`/`S` the score output, `HasPV`/`PV` the
 * predicted value, `L`/`V` the true label and value. Values are bound by the caller as
 * `{project:String}`, `{labelOut:String}`, `{scoreOut:String}`, `{valueOut:String}` plus whatever
 * `range` uses; column names differ from the tables' so the join is unambiguous.
 *
 * @param range a WHERE condition on `predictions` selecting the rows to join
 * @param extra additional select items for the predictions side and the feedback side
 */
function predictionFeedbackJoin(range: string, extra: { predictions?: string; feedback?: string } = {}): string {
  const p = extra.predictions ? `${extra.predictions}, ` : '';
  const f = extra.feedback ? `, ${extra.feedback}` : '';
  return `
    (SELECT PredictionId AS Pid, ${p}
            multiIf(mapContains(CategoricalOutputs, {labelOut:String}), CategoricalOutputs[{labelOut:String}],
                    mapContains(NumericOutputs, {labelOut:String}), toString(NumericOutputs[{labelOut:String}]), '') AS PL,
            mapContains(NumericOutputs, {scoreOut:String}) AS HasS, NumericOutputs[{scoreOut:String}] AS S,
            mapContains(NumericOutputs, {valueOut:String}) AS HasPV, NumericOutputs[{valueOut:String}] AS PV
     FROM predictions WHERE ${range}) AS p
    INNER JOIN
    (SELECT PredictionId AS Fid, argMax(Label, ReceivedAt) AS L, argMax(Value, ReceivedAt) AS V${f}
     FROM feedback WHERE Project = {project:String} AND PredictionId IN (SELECT PredictionId FROM predictions WHERE ${range})
     GROUP BY PredictionId) AS f ON p.Pid = f.Fid`;
}

/** The output names the quality metrics read, and the positive class of a binary score. */
export interface QualityOutputs {
  label: string;
  score: string;
  value: string;
  positiveClass: string;
}

type Num = number | string | null;

/** What the quality metrics of one window are finished from (`@inferlens/stats` does the rest). */
export interface QualityInputs {
  /** Labelled predictions; label delay p50 and p90 (s); max delay (s); newest feedback arrival (Unix ms text). */
  labels: { n: string; d: number[]; dmax: number | null; r: string | null } | undefined;
  /** Counts per (true label, predicted label). */
  confusion: Array<{ truth: string; predicted: string; count: string }>;
  /** Positives and negatives per score value. */
  scores: Array<{ score: number; positives: string; negatives: string }>;
  /** Rows with a true and a predicted value, and the error sums. */
  regression: { rows: string; abs: number; sq: number; nz: string; ape: number } | undefined;
}

/** The four aggregations of {@link QualityInputs} over `joined`, each also grouped by `Seg` when `bySegment`. */
function qualitySql(joined: string, bySegment: boolean): { labels: string; confusion: string; scores: string; regression: string } {
  const seg = bySegment ? 'Seg, ' : '';
  const groupBy = (keys: string) => (bySegment ? ` GROUP BY Seg${keys ? `, ${keys}` : ''}` : keys ? ` GROUP BY ${keys}` : '');
  return {
    labels: `SELECT ${seg}count() AS n, quantilesExactInclusive(0.5, 0.9)(greatest(0, toUnixTimestamp64Milli(FT) - toUnixTimestamp64Milli(PT)) / 1000) AS d,
            max(greatest(0, toUnixTimestamp64Milli(FT) - toUnixTimestamp64Milli(PT)) / 1000) AS dmax, toString(toUnixTimestamp64Milli(max(R))) AS r
     FROM ${joined}${groupBy('')}`,
    confusion: `SELECT ${seg}L AS truth, PL AS predicted, count() AS count FROM ${joined} WHERE L != '' AND PL != ''${groupBy('truth, predicted')}`,
    scores: `SELECT ${seg}S AS score, countIf(L = {positive:String}) AS positives, countIf(L != {positive:String}) AS negatives
     FROM ${joined} WHERE L != '' AND HasS${groupBy('score')}`,
    regression: `SELECT ${seg}count() AS rows, sum(abs(V - PV)) AS abs, sum((V - PV) * (V - PV)) AS sq, countIf(V != 0) AS nz, sumIf(abs(V - PV) / abs(V), V != 0) AS ape
     FROM ${joined} WHERE V IS NOT NULL AND HasPV${groupBy('')}`,
  };
}

function qualityParams(scope: PredictionScope, outputs: QualityOutputs, params: QueryParams): QueryParams {
  return { ...params, project: scope.project, labelOut: outputs.label, scoreOut: outputs.score, valueOut: outputs.value, positive: outputs.positiveClass };
}

const QUALITY_JOIN_COLUMNS = { predictions: 'Timestamp AS PT', feedback: 'argMax(Timestamp, ReceivedAt) AS FT, max(ReceivedAt) AS R' };

/** A window's predictions joined with their newest feedback, aggregated for the quality job. */
export async function qualityInputs(store: ClickHouseStore, scope: PredictionScope, range: MillisRange, outputs: QualityOutputs): Promise<QualityInputs> {
  const w = windowWhere(scope, range);
  const p = qualityParams(scope, outputs, w.params);
  // The window's predictions with their newest feedback; names are distinct from the tables' so the join is unambiguous.
  const sql = qualitySql(predictionFeedbackJoin(w.where, QUALITY_JOIN_COLUMNS), false);
  const [labels] = await store.query<{ n: string; d: number[]; dmax: number | null; r: string | null }>(sql.labels, p);
  const confusion = await store.query<{ truth: string; predicted: string; count: string }>(sql.confusion, p);
  const scores = await store.query<{ score: number; positives: string; negatives: string }>(sql.scores, p);
  const [regression] = await store.query<{ rows: string; abs: number; sq: number; nz: string; ape: number }>(sql.regression, p);
  return { labels, confusion, scores, regression };
}

/**
 * {@link qualityInputs} per segment (`grouping` of `segments.ts`), in the same four aggregations
 * grouped by segment too, with each segment's predictions: per segment, what its metrics are
 * finished from. Segments without predictions are absent.
 */
export async function qualitySegmentInputs(
  store: ClickHouseStore,
  scope: PredictionScope,
  range: MillisRange,
  outputs: QualityOutputs,
  grouping: SegmentGrouping,
): Promise<Map<string, QualityInputs & { predictions: number }>> {
  const w = windowWhere(scope, range);
  const where = `${w.where} AND ${grouping.where}`;
  const p = qualityParams(scope, outputs, { ...w.params, ...grouping.params });
  const sql = qualitySql(predictionFeedbackJoin(where, { ...QUALITY_JOIN_COLUMNS, predictions: `${grouping.expr} AS Seg, ${QUALITY_JOIN_COLUMNS.predictions}` }), true);
  type Seg = { Seg: string };
  const [predictions, labels, confusion, scores, regression] = await Promise.all([
    store.query<Seg & { n: string }>(`SELECT ${grouping.expr} AS Seg, count() AS n FROM predictions WHERE ${where} GROUP BY Seg`, p),
    store.query<Seg & { n: string; d: number[]; dmax: number | null; r: string | null }>(sql.labels, p),
    store.query<Seg & { truth: string; predicted: string; count: string }>(sql.confusion, p),
    store.query<Seg & { score: number; positives: string; negatives: string }>(sql.scores, p),
    store.query<Seg & { rows: string; abs: number; sq: number; nz: string; ape: number }>(sql.regression, p),
  ]);
  const out = new Map<string, QualityInputs & { predictions: number }>();
  for (const r of predictions) out.set(r.Seg, { predictions: Number(r.n), labels: undefined, confusion: [], scores: [], regression: undefined });
  for (const r of labels) if (out.has(r.Seg)) out.get(r.Seg)!.labels = r;
  for (const r of confusion) out.get(r.Seg)?.confusion.push(r);
  for (const r of scores) out.get(r.Seg)?.scores.push(r);
  for (const r of regression) if (out.has(r.Seg)) out.get(r.Seg)!.regression = r;
  return out;
}

/**
 * The predicted class of a row as the estimation reads it (SQL, over `PL` and `S`): the label
 * output equal to the positive class when the row has one, else a score of at least 0.5.
 */
const PREDICTED_POSITIVE = "if(PL != '', PL = {positive:String}, S >= 0.5)";

/**
 * The labelled rows CBPE is calibrated on: the predictions of `scope` in `range` that have a
 * score and a feedback label, with the score, the predicted class and whether the label is the
 * positive class. At most `limit` rows (the newest).
 */
export async function estimationReferenceRows(
  store: ClickHouseStore,
  scope: PredictionScope,
  range: MillisRange,
  outputs: QualityOutputs,
  limit: number,
): Promise<Array<{ score: number; predicted: boolean; truth: boolean }>> {
  const w = windowWhere(scope, range);
  const rows = await store.query<{ s: number; p: number; y: number }>(
    `SELECT S AS s, ${PREDICTED_POSITIVE} AS p, L = {positive:String} AS y
     FROM ${predictionFeedbackJoin(w.where, { predictions: 'Timestamp AS PT' })}
     WHERE L != '' AND HasS AND isFinite(S) ORDER BY PT DESC LIMIT {limit:UInt32}`,
    { ...w.params, project: scope.project, labelOut: outputs.label, scoreOut: outputs.score, valueOut: outputs.value, positive: outputs.positiveClass, limit },
  );
  return rows.map((r) => ({ score: Number(r.s), predicted: Number(r.p) === 1, truth: Number(r.y) === 1 }));
}

/**
 * The labelled rows of an uploaded reference data set (`reference_data` rows with a `Label` and
 * the score output), as {@link estimationReferenceRows} gives a pinned range's: the score, the
 * predicted class (the label output equal to the positive class, else score ≥ 0.5) and whether
 * the label is the positive class. At most `limit` rows (the first uploaded).
 */
export async function datasetEstimationRows(
  store: ClickHouseStore,
  reference: { project: string; referenceId: string },
  outputs: QualityOutputs,
  limit: number,
): Promise<Array<{ score: number; predicted: boolean; truth: boolean }>> {
  const rows = await store.query<{ s: number; p: number; y: number }>(
    `SELECT S AS s, ${PREDICTED_POSITIVE} AS p, Label = {positive:String} AS y
     FROM (SELECT NumericOutputs[{scoreOut:String}] AS S, CategoricalOutputs[{labelOut:String}] AS PL, Label, RowIndex
           FROM reference_data
           WHERE Project = {project:String} AND ReferenceId = {referenceId:String} AND Label != '' AND mapContains(NumericOutputs, {scoreOut:String}))
     WHERE isFinite(S) ORDER BY RowIndex LIMIT {limit:UInt32}`,
    { project: reference.project, referenceId: reference.referenceId, labelOut: outputs.label, scoreOut: outputs.score, positive: outputs.positiveClass, limit },
  );
  return rows.map((r) => ({ score: Number(r.s), predicted: Number(r.p) === 1, truth: Number(r.y) === 1 }));
}

/** A window's predictions with a score, labelled or not, counted per score and predicted class (what CBPE estimates from). */
export async function scoreGroups(store: ClickHouseStore, scope: PredictionScope, range: MillisRange, outputs: QualityOutputs): Promise<ScoreGroup[]> {
  const w = windowWhere(scope, range);
  const rows = await store.query<{ score: number; p: number; n: string | number }>(scoreGroupsSql(w.where), scoreGroupsParams(w.params, outputs));
  return rows.map(scoreGroup);
}

/** {@link scoreGroups} for each segment of a window at once (see `segments.ts`), by segment. */
export async function segmentScoreGroups(
  store: ClickHouseStore,
  scope: PredictionScope,
  range: MillisRange,
  outputs: QualityOutputs,
  grouping: SegmentGrouping,
): Promise<Map<string, ScoreGroup[]>> {
  const w = windowWhere(scope, range);
  const rows = await store.query<{ Seg: string; score: number; p: number; n: string | number }>(
    scoreGroupsSql(`${w.where} AND ${grouping.where}`, grouping.expr),
    scoreGroupsParams({ ...w.params, ...grouping.params }, outputs),
  );
  const out = new Map<string, ScoreGroup[]>();
  for (const r of rows) out.set(r.Seg, [...(out.get(r.Seg) ?? []), scoreGroup(r)]);
  return out;
}

/** Predictions of one score and predicted class (CBPE's input). */
export interface ScoreGroup {
  score: number;
  predicted: boolean;
  count: number;
}

/** The score groups' SQL over the predictions matching `where`; with `segment`, grouped by its value too (as `Seg`). */
function scoreGroupsSql(where: string, segment?: string): string {
  const seg = segment === undefined ? '' : `${segment} AS Seg, `;
  return `SELECT ${segment === undefined ? '' : 'Seg, '}S AS score, ${PREDICTED_POSITIVE} AS p, count() AS n FROM (
       SELECT ${seg}multiIf(mapContains(CategoricalOutputs, {labelOut:String}), CategoricalOutputs[{labelOut:String}],
                      mapContains(NumericOutputs, {labelOut:String}), toString(NumericOutputs[{labelOut:String}]), '') AS PL,
              NumericOutputs[{scoreOut:String}] AS S
       FROM predictions WHERE ${where} AND mapContains(NumericOutputs, {scoreOut:String}))
     WHERE isFinite(S) GROUP BY ${segment === undefined ? '' : 'Seg, '}score, p`;
}

function scoreGroupsParams(params: QueryParams, outputs: QualityOutputs): QueryParams {
  return { ...params, labelOut: outputs.label, scoreOut: outputs.score, positive: outputs.positiveClass };
}

function scoreGroup(r: { score: number; p: number; n: string | number }): ScoreGroup {
  return { score: Number(r.score), predicted: Number(r.p) === 1, count: Number(r.n) };
}

/**
 * The closed windows of a stream (starting before `checkpointMs`) that got feedback received
 * after `sinceMs`: each window's start, the newest such arrival, and the newest arrival its
 * stored quality result counted (null without a result), Unix ms; oldest window first.
 */
export async function windowsWithNewFeedback(
  store: ClickHouseStore,
  stream: PredictionScope,
  o: { windowMs: number; checkpointMs: number; sinceMs: number },
): Promise<Array<{ startMs: number; newestMs: number; storedMs: number | null }>> {
  const s = streamWhere(stream);
  const fresh = `SELECT PredictionId, ReceivedAt FROM feedback WHERE Project = {project:String} AND ReceivedAt > fromUnixTimestamp64Milli({since:Int64})`;
  const rows = await store.query<{ ws: string | number; newest: string | number; stored: string | number | null }>(
    `SELECT c.ws AS ws, c.newest AS newest, r.stored AS stored FROM (
       SELECT intDiv(toUnixTimestamp64Milli(p.Timestamp), {w:Int64}) * {w:Int64} AS ws, toUnixTimestamp64Milli(max(f.ReceivedAt)) AS newest
       FROM (SELECT PredictionId, Timestamp FROM predictions WHERE ${s.where} AND Timestamp < fromUnixTimestamp64Milli({cp:Int64})
               AND PredictionId IN (SELECT PredictionId FROM (${fresh}))) AS p
       INNER JOIN (${fresh}) AS f ON p.PredictionId = f.PredictionId
       GROUP BY ws
     ) AS c
     LEFT JOIN (SELECT toUnixTimestamp64Milli(WindowStart) AS ws, toNullable(toUnixTimestamp64Milli(MaxFeedbackReceivedAt)) AS stored
                FROM quality_results FINAL WHERE ${s.where} AND Segment = '') AS r ON c.ws = r.ws
     ORDER BY ws`,
    { ...s.params, w: o.windowMs, cp: o.checkpointMs, since: o.sinceMs },
  );
  return rows.map((c) => ({ startMs: Number(c.ws), newestMs: Number(c.newest), storedMs: c.stored === null ? null : Number(c.stored) }));
}

/** Two versions of a model over one time range (Unix ns text), for `GET /api/v1/compare`. */
export interface VersionPair {
  project: string;
  model: string;
  /** Baseline and candidate versions. */
  a: string;
  b: string;
  /** Unix nanoseconds as decimal strings (see `parseTimeParam`). */
  from: string;
  to: string;
  outputs: QualityOutputs;
}

/** The aggregates a version comparison is finished from, each row tagged with its version (`ver`). */
export interface VersionComparisonInputs {
  /** Latency ranks (Mann–Whitney) of successful predictions: sizes, 2U of b, tie correction. */
  latencyRanks: { nA: Num; nB: Num; u2: Num; ties: Num } | undefined;
  totals: Array<{ ver: string; n: Num; errors: Num; median: Num }>;
  confusion: Array<{ ver: string; truth: string; predicted: string; count: Num }>;
  scores: Array<{ ver: string; score: number; positives: Num; negatives: Num }>;
  regression: Array<{ ver: string; n: Num; abs: Num; sq: Num; q4: Num; nz: Num; ape: Num; ape2: Num }>;
}

/**
 * Every aggregation of a version comparison, in ClickHouse: latency ranks from the two versions'
 * latencies grouped by value and ranked with a window function (one row comes back; 2U of b stays
 * an exact integer), totals, and the predictions joined with their newest feedback.
 */
export async function versionComparisonInputs(store: ClickHouseStore, r: VersionPair): Promise<VersionComparisonInputs> {
  const params: QueryParams = {
    project: r.project, model: r.model, a: r.a, b: r.b, from: r.from, to: r.to,
    labelOut: r.outputs.label, scoreOut: r.outputs.score, valueOut: r.outputs.value, positive: r.outputs.positiveClass,
  };
  const range = `Project = {project:String} AND ModelName = {model:String} AND ModelVersion IN ({a:String}, {b:String})
    AND Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})`;
  const [latencyRanks] = await store.query<{ nA: Num; nB: Num; u2: Num; ties: Num }>(
    `SELECT sum(ca) AS nA, sum(cb) AS nB, sum(cb * (2 * below + ca)) AS u2, sum(pow(toFloat64(ca + cb), 3) - (ca + cb)) AS ties
     FROM (SELECT ca, cb, sum(ca) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - ca AS below
           FROM (SELECT LatencyMs AS v, countIf(ModelVersion = {a:String}) AS ca, countIf(ModelVersion = {b:String}) AS cb
                 FROM predictions WHERE ${range} AND Status != 'error' GROUP BY v))`,
    params,
  );
  const totals = await store.query<{ ver: string; n: Num; errors: Num; median: Num }>(
    `SELECT ModelVersion AS ver, count() AS n, countIf(Status = 'error') AS errors,
            quantileExactInclusiveIf(0.5)(LatencyMs, Status != 'error') AS median
     FROM predictions WHERE ${range} GROUP BY ver`,
    params,
  );
  const joined = predictionFeedbackJoin(range, { predictions: 'ModelVersion AS ver' });
  const confusion = await store.query<{ ver: string; truth: string; predicted: string; count: Num }>(
    `SELECT ver, L AS truth, PL AS predicted, count() AS count FROM ${joined} WHERE L != '' AND PL != '' GROUP BY ver, truth, predicted`,
    params,
  );
  const scores = await store.query<{ ver: string; score: number; positives: Num; negatives: Num }>(
    `SELECT ver, S AS score, countIf(L = {positive:String}) AS positives, countIf(L != {positive:String}) AS negatives
     FROM ${joined} WHERE L != '' AND HasS GROUP BY ver, score`,
    params,
  );
  const regression = await store.query<{ ver: string; n: Num; abs: Num; sq: Num; q4: Num; nz: Num; ape: Num; ape2: Num }>(
    `SELECT ver, count() AS n, sum(abs(V - PV)) AS abs, sum(pow(V - PV, 2)) AS sq, sum(pow(V - PV, 4)) AS q4,
            countIf(V != 0) AS nz, sumIf(abs(V - PV) / abs(V), V != 0) AS ape, sumIf(pow((V - PV) / V, 2), V != 0) AS ape2
     FROM ${joined} WHERE V IS NOT NULL AND HasPV GROUP BY ver`,
    params,
  );
  return { latencyRanks, totals, confusion, scores, regression };
}
