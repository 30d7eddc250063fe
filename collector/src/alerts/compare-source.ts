/**
 * The `compare` alert source: a candidate version against its baseline over a trailing range of
 * prediction time (`GET /api/v1/compare`'s comparison), looked at every `every` by the alert
 * engine, so that a canary that is `worse` fires a rollback alert.
 *
 * Repeated looks at accumulating data inflate false alarms (peeking): at level α per look, 50
 * looks at an equal candidate would flag it far more often than α. Each rule therefore spends its
 * α over at most `max_looks` looks and over the dimensions tested at each look (Bonferroni, the
 * linear alpha-spending rule): a look decides at α / (max_looks · dimensions), so the chance that
 * an equal candidate is ever called worse, over all looks and dimensions, is at most α. A look
 * counts only when both versions have at least `min_rows` predictions in the range; once
 * `max_looks` looks are spent the rule stops deciding (its alert stays as it is) until the
 * versions it compares change.
 */
import { verdictOf, type Verdict } from '@inferlens/stats';
import { compareVersions, type DimensionComparison, type VersionComparison } from '../api/compare-versions.js';
import { DEFAULT_QUALITY_OUTPUTS, type QualityModelConfig } from '../config.js';
import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import type { Sample } from './result-sources.js';

export const COMPARE_SOURCE_NAME = 'compare';
export const COMPARE_LABELS = ['project', 'model', 'candidate', 'baseline', 'verdict'] as const;

/** The quality dimensions of a comparison, by their metric-name prefix. */
const QUALITY_DIMENSIONS = { accuracy: 'accuracy', rocAuc: 'roc_auc', logLoss: 'log_loss', mae: 'mae', rmse: 'rmse', mape: 'mape' } as const;

export const COMPARE_METRICS = [
  'worse',
  'better',
  'latency_p_value',
  'latency_difference',
  'error_rate_p_value',
  'error_rate_difference',
  ...Object.values(QUALITY_DIMENSIONS).flatMap((d) => [`${d}_p_value`, `${d}_difference`]),
  'rows_candidate',
  'rows_baseline',
  'look',
  'alpha_per_look',
] as const;

/** A rule's `when.compare`, validated. */
export interface CompareSpec {
  project: string;
  model: string;
  /** Versions compared; both undefined: the newest version (by first prediction) against the one before. */
  candidate?: string;
  baseline?: string;
  rangeMs: number;
  everyMs: number;
  minRows: number;
  maxLooks: number;
  alpha: number;
}

/** Looks taken per rule and pair of versions (kept in memory). */
export interface LookState {
  pair: string;
  looks: number;
  lastLookMs: number;
}

/** The two newest versions of a model by their first prediction, newest first. */
async function newestVersions(store: ClickHouseStore, project: string, model: string): Promise<string[]> {
  const rows = await store.query<{ v: string }>(
    `SELECT ModelVersion AS v FROM predictions WHERE Project = {project:String} AND ModelName = {model:String}
     GROUP BY v ORDER BY min(Timestamp) DESC, v LIMIT 2`,
    { project, model },
  );
  return rows.map((r) => r.v);
}

/**
 * One look of a compare rule: undefined when it is not time to look; a sample whose metrics are
 * null when the look decides nothing (too few rows, no pair of versions, looks spent).
 */
export async function compareLook(
  store: ClickHouseStore,
  spec: CompareSpec,
  state: LookState | undefined,
  nowMs: number,
  models: readonly QualityModelConfig[],
): Promise<{ sample: Sample; state: LookState | undefined } | undefined> {
  let candidate = spec.candidate;
  let baseline = spec.baseline;
  if (candidate === undefined || baseline === undefined) {
    const [newest, before] = await newestVersions(store, spec.project, spec.model);
    candidate ??= newest;
    baseline ??= candidate === newest ? before : newest;
  }
  const labels = { project: spec.project, model: spec.model, candidate: candidate ?? '', baseline: baseline ?? '', verdict: '' };
  const unmeasured = (s: LookState | undefined) => ({ sample: { labels, metrics: Object.fromEntries(COMPARE_METRICS.map((m) => [m, null])) }, state: s });
  if (candidate === undefined || baseline === undefined || candidate === baseline) return unmeasured(state);
  const pair = `${candidate}\u0000${baseline}`;
  const own = state?.pair === pair ? state : undefined;
  if (own && nowMs - own.lastLookMs < spec.everyMs) return undefined;
  if (own && own.looks >= spec.maxLooks) return unmeasured(own);
  const outputs = models.find((m) => m.model === spec.model) ?? DEFAULT_QUALITY_OUTPUTS;
  const from = String(BigInt(Math.floor(nowMs - spec.rangeMs)) * 1_000_000n);
  const to = String(BigInt(Math.floor(nowMs)) * 1_000_000n);
  const c = await compareVersions(store, { project: spec.project, model: spec.model, a: baseline, b: candidate, from, to, alpha: spec.alpha, outputs });
  const rowsA = c.errorRate?.rows.a ?? 0;
  const rowsB = c.errorRate?.rows.b ?? 0;
  if (rowsA < spec.minRows || rowsB < spec.minRows) return unmeasured(own ?? { pair, looks: 0, lastLookMs: nowMs });
  const next: LookState = { pair, looks: (own?.looks ?? 0) + 1, lastLookMs: nowMs };
  const { verdict, alphaPerLook } = spentVerdicts(c, spec);
  const metrics: Record<string, number | null> = {
    worse: verdict === 'worse' ? 1 : 0,
    better: verdict === 'better' ? 1 : 0,
    latency_p_value: finite(c.latency?.pValue),
    latency_difference: finite(c.latency?.difference),
    error_rate_p_value: finite(c.errorRate?.pValue),
    error_rate_difference: finite(c.errorRate?.difference),
    rows_candidate: rowsB,
    rows_baseline: rowsA,
    look: next.looks,
    alpha_per_look: alphaPerLook,
  };
  for (const [key, name] of Object.entries(QUALITY_DIMENSIONS)) {
    metrics[`${name}_p_value`] = finite(c.quality[key]?.pValue);
    metrics[`${name}_difference`] = finite(c.quality[key]?.difference);
  }
  return { sample: { labels: { ...labels, verdict }, metrics }, state: next };
}

const finite = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/**
 * The verdicts of one look at the spent level α / (max_looks · dimensions with a test): `worse`
 * when any dimension is worse, else `better` when any is better, else `inconclusive`.
 */
export function spentVerdicts(c: VersionComparison, spec: Pick<CompareSpec, 'alpha' | 'maxLooks'>): { verdict: Verdict; alphaPerLook: number; dims: number } {
  const tested: Array<{ difference: number; pValue: number; higherIsBetter: boolean }> = [];
  if (c.latency && Number.isFinite(c.latency.pValue)) tested.push({ difference: c.latency.commonLanguageEffect - 0.5, pValue: c.latency.pValue, higherIsBetter: false });
  const dims: Array<DimensionComparison | null> = [c.errorRate, ...Object.values(c.quality)];
  for (const d of dims) if (d && Number.isFinite(d.pValue)) tested.push(d);
  const alphaPerLook = spec.alpha / (spec.maxLooks * Math.max(1, tested.length));
  const verdicts = tested.map((t) => verdictOf(t.difference, t.pValue, t.higherIsBetter, alphaPerLook));
  const verdict: Verdict = verdicts.includes('worse') ? 'worse' : verdicts.includes('better') ? 'better' : 'inconclusive';
  return { verdict, alphaPerLook, dims: tested.length };
}
