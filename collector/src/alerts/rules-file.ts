import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { dotted, firstProblem, valueAt, withoutNulls, type Fail, type Segment } from '../config/problems.js';
import { CollectorError } from '../errors.js';
import { parseDuration } from './duration.js';
import { RESULT_SOURCES, TRAFFIC_LABELS, TRAFFIC_METRICS, TRAFFIC_SOURCE_NAME, type ResultSource } from './result-sources.js';
import { LABEL_NAME, OPS, rulesSchema, type RulesDocument } from './rules-schema.js';
import { checkTemplate } from './templates.js';
import { COMPARE_LABELS, COMPARE_METRICS, COMPARE_SOURCE_NAME, type CompareSpec } from './compare-source.js';

/** Comparison operators of a condition. */
export type Comparison = (typeof OPS)[number];

/** `when`: a series is active while `metric op threshold` holds for it. */
export interface Condition {
  /** A result table's adapter name (`drift`, `sla`, `quality`, ...) or `traffic`. */
  source: string;
  metric: string;
  /** Label equality matchers; a series must carry every one. */
  match: Record<string, string>;
  op: Comparison;
  threshold: number;
  /**
   * Benjamini–Hochberg false-discovery rate: a series is active when its p-value (`metric`, the
   * source's p-value metric) is rejected at this rate among every matching series of the window.
   */
  fdr?: number;
  /** Source `compare`: the versions compared and the peeking guard. */
  compare?: CompareSpec;
}

/** One alerting rule, validated. */
export interface AlertRule {
  alert: string;
  when: Condition;
  /** How long a condition holds before the alert fires. @default 0 */
  forMs: number;
  /** How long a firing alert keeps firing after its condition cleared. @default 0 */
  keepFiringForMs: number;
  /** Hysteresis: consecutive windows in which the condition holds before the alert fires. @default 1 */
  consecutiveWindows: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Receiver names. */
  notify: string[];
}

/** Where and how a receiver delivers. */
export type ReceiverTarget =
  | { kind: 'webhook'; url: string }
  | { kind: 'slack'; url: string; channel?: string }
  | { kind: 'alertmanager'; url: string };

/** A notification receiver, validated. */
export interface ReceiverConfig {
  name: string;
  target: ReceiverTarget;
  /** Labels whose values form a notification group. @default ['alertname'] */
  groupBy: string[];
  /** How often a group that still has firing alerts is notified again (Alertmanager receivers: the re-send interval is `alerts.resendDelayMs`). @default 4h */
  repeatIntervalMs: number;
  /** Delivery attempts before a notification is recorded as failed. @default 5 */
  attempts: number;
  /** First retry delay; doubles at each attempt. @default 1s */
  backoffMs: number;
}

/** A rules file, validated. */
export interface RulesFile {
  file: string;
  /** SHA-256 of the file's text, hex (set when read from a file): which version of it is in force. */
  sha256?: string;
  rules: AlertRule[];
  receivers: ReceiverConfig[];
}

/** The rules file is unreadable or invalid; the message names the file, rule, field and problem. */
export class RulesError extends CollectorError {
  constructor(message: string) {
    super('ALERT_RULES_INVALID', message);
  }
}

/**
 * Parses and validates a rules file's text: its schema first (`rules-schema.ts`), then what the
 * schema cannot state (one receiver kind each, unique names, the metrics and labels of each
 * source, receivers that exist, label names, templates). Every problem is reported as
 * `<file>: rule "<name>" (rules[i]): <field>: <problem>`.
 * @throws RulesError on the first problem found
 */
export function parseRules(text: string, file: string, sources: ReadonlyArray<ResultSource<any>> = RESULT_SOURCES): RulesFile {
  let written: unknown;
  try {
    written = withoutNulls(parseYaml(text) ?? {});
  } catch (err) {
    throw new RulesError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const where = (path: readonly Segment[]): string => {
    const [list, i, ...rest] = path;
    if ((list !== 'rules' && list !== 'receivers') || typeof i !== 'number') return path.length ? dotted(path) : 'top level';
    const name = valueAt(written, [list, i, list === 'rules' ? 'alert' : 'name']);
    return `${list === 'rules' ? 'rule' : 'receiver'} ${typeof name === 'string' && name ? `"${name}" ` : ''}(${list}[${i}])${rest.length ? `: ${dotted(rest)}` : ''}`;
  };
  const fail: Fail = (path, problem) => {
    throw new RulesError(`${file}: ${where(path)}: ${problem}`);
  };

  const bySource = new Map(sources.map((s) => [s.name, s]));
  const schema = rulesSchema([...bySource.keys(), TRAFFIC_SOURCE_NAME, COMPARE_SOURCE_NAME]);
  const doc = structuredClone(written);
  Value.Default(schema, doc);
  const problem = firstProblem(schema, doc);
  if (problem?.kind === 'unknown') fail([...problem.path, problem.key], `unknown key; known keys: ${problem.known.join(', ')}`);
  if (problem?.kind === 'missing') fail(problem.path, `required, ${problem.expected}`);
  if (problem) fail(problem.path, `expected ${problem.expected}, got ${JSON.stringify(valueAt(written, problem.path))}`);

  // Defaults are filled by Value.Default above, hence the `!`s.
  const checked = doc as RulesDocument;
  const ms = (duration: string | undefined) => parseDuration(duration!)!;
  const receivers: ReceiverConfig[] = [];
  for (const [i, r] of checked.receivers!.entries()) {
    if (receivers.some((x) => x.name === r.name)) fail(['receivers', i, 'name'], `duplicate receiver name "${r.name}"`);
    const kinds = (['webhook', 'slack', 'alertmanager'] as const).filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) fail(['receivers', i, 'webhook|slack|alertmanager'], `expected exactly one of webhook, slack, alertmanager; got ${kinds.length}`);
    const kind = kinds[0]!;
    const target: ReceiverTarget =
      kind === 'slack'
        ? { kind, url: r.slack!.url, ...(r.slack!.channel !== undefined ? { channel: r.slack!.channel } : {}) }
        : { kind, url: kind === 'alertmanager' ? r.alertmanager!.url.replace(/\/+$/, '') : r.webhook!.url };
    receivers.push({ name: r.name, target, groupBy: r.group_by!, repeatIntervalMs: ms(r.repeat_interval), attempts: r.retry!.attempts!, backoffMs: ms(r.retry!.backoff) });
  }

  const rules: AlertRule[] = [];
  for (const [i, r] of checked.rules!.entries()) {
    const at = (...field: Segment[]) => ['rules', i, ...field];
    const when = condition(r.when, bySource, (field, problem) => fail(at('when', ...field), problem));
    const labels = strings(r.labels);
    for (const k of Object.keys(labels)) if (!LABEL_NAME.test(k) || k === 'alertname') fail(at('labels', k), `not a valid label name (${LABEL_NAME.source}, not "alertname")`);
    const annotations = strings(r.annotations);
    for (const [field, map] of [['annotations', annotations], ['labels', labels]] as const) {
      for (const [k, v] of Object.entries(map)) {
        const problem = checkTemplate(v);
        if (problem) fail(at(field, k), problem);
      }
    }
    for (const n of r.notify!) {
      if (!receivers.some((x) => x.name === n)) fail(at('notify'), `unknown receiver "${n}"; defined receivers: ${receivers.map((x) => x.name).join(', ') || '(none)'}`);
    }
    if (rules.some((x) => x.alert === r.alert)) fail(at('alert'), `duplicate rule name "${r.alert}"`);
    if (r.consecutive_windows! > 1 && (when.source === TRAFFIC_SOURCE_NAME || when.source === COMPARE_SOURCE_NAME)) {
      fail(at('consecutive_windows'), `only for sources evaluated per window (${when.source} has no windows)`);
    }
    rules.push({ alert: r.alert, when, forMs: ms(r.for), keepFiringForMs: ms(r.keep_firing_for), consecutiveWindows: r.consecutive_windows!, labels, annotations, notify: r.notify! });
  }
  return { file, rules, receivers };
}

/** Reads and validates a rules file. @throws RulesError naming the file and the problem */
export async function loadRulesFile(path: string, sources?: ReadonlyArray<ResultSource<any>>): Promise<RulesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RulesError(`${path}: cannot read the rules file: ${(err as Error).message}`);
  }
  return { ...parseRules(text, path, sources), sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
}

type Written = RulesDocument['rules'] extends Array<infer R> | undefined ? R : never;

/** `when` against its source: the source's metrics and labels, and `absent_for` in place of metric, op and threshold. */
function condition(w: Written['when'], sources: ReadonlyMap<string, ResultSource<any>>, fail: Fail): Condition {
  const traffic = w.source === TRAFFIC_SOURCE_NAME;
  const compare = w.source === COMPARE_SOURCE_NAME;
  const labels: readonly string[] = traffic ? TRAFFIC_LABELS : compare ? COMPARE_LABELS : Object.keys(sources.get(w.source)!.labels);
  const metrics: readonly string[] = traffic ? TRAFFIC_METRICS : compare ? COMPARE_METRICS : Object.keys(sources.get(w.source)!.metrics);
  let spec: CompareSpec | undefined;
  if (compare) {
    const c = w.compare;
    if (c === undefined) fail(['compare'], 'required for source compare: { model, candidate?, baseline?, range?, every?, min_rows?, max_looks?, alpha? }');
    if ((c!.candidate === undefined) !== (c!.baseline === undefined)) fail(['compare'], 'give both candidate and baseline, or neither (the newest version against the one before)');
    if (c!.candidate !== undefined && c!.candidate === c!.baseline) fail(['compare', 'baseline'], `expected a version other than the candidate, got ${JSON.stringify(c!.baseline)} twice`);
    spec = {
      project: c!.project!, model: c!.model, rangeMs: parseDuration(c!.range!)!, everyMs: parseDuration(c!.every!)!, minRows: c!.min_rows!, maxLooks: c!.max_looks!, alpha: c!.alpha!,
      ...(c!.candidate !== undefined ? { candidate: c!.candidate, baseline: c!.baseline! } : {}),
    };
  } else if (w.compare !== undefined) fail(['compare'], 'only for source compare');
  const match = strings(w.match);
  for (const k of Object.keys(match)) if (!labels.includes(k)) fail(['match', k], `source ${w.source} has no label "${k}"; its labels: ${labels.join(', ')}`);
  if (w.fdr !== undefined) {
    const pValue = traffic ? undefined : sources.get(w.source)?.pValueMetric;
    if (pValue === undefined) fail(['fdr'], `source ${w.source} has no p-value to control; fdr is for ${[...sources.values()].filter((s) => s.pValueMetric).map((s) => s.name).join(', ')}`);
    if (w.metric !== undefined || w.op !== undefined || w.threshold !== undefined) fail(['fdr'], `replaces metric, op and threshold (the series' ${pValue} is compared among the window's series); give either fdr or those three`);
    return { source: w.source, metric: pValue!, match, op: '<=', threshold: w.fdr, fdr: w.fdr };
  }
  if (w.absent_for !== undefined) {
    if (!traffic) fail(['absent_for'], 'only for source traffic');
    if (w.metric !== undefined || w.op !== undefined || w.threshold !== undefined) fail(['absent_for'], 'replaces metric, op and threshold; give either absent_for or those three');
    return { source: w.source, metric: 'seconds_since_last_prediction', match, op: '>=', threshold: parseDuration(w.absent_for)! / 1000 };
  }
  if (w.metric === undefined || !metrics.includes(w.metric)) fail(['metric'], `expected one of ${metrics.join(', ')} for source ${w.source}, got ${JSON.stringify(w.metric)}`);
  if (w.op === undefined) fail(['op'], `required, one of ${OPS.join(', ')}`);
  if (w.threshold === undefined) fail(['threshold'], 'required, a number');
  return { source: w.source, metric: w.metric!, match, op: w.op!, threshold: w.threshold!, ...(spec ? { compare: spec } : {}) };
}

/** Label and annotation values as text (`severity: 1` is "1"). */
function strings(map: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Whether a metric value satisfies a condition; a missing or NaN value never does. */
export function holds(cond: Condition, value: number | null | undefined): boolean {
  if (value === null || value === undefined || Number.isNaN(value)) return false;
  switch (cond.op) {
    case '>': return value > cond.threshold;
    case '>=': return value >= cond.threshold;
    case '<': return value < cond.threshold;
    case '<=': return value <= cond.threshold;
    case '==': return value === cond.threshold;
    case '!=': return value !== cond.threshold;
  }
}
