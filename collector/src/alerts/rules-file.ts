import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { CollectorError } from '../errors.js';
import { parseDuration } from './duration.js';
import { RESULT_SOURCES, TRAFFIC_LABELS, TRAFFIC_METRICS, TRAFFIC_SOURCE_NAME, type ResultSource } from './result-sources.js';
import { checkTemplate } from './templates.js';

/** Comparison operators of a condition. */
export type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';

/** `when`: a series is active while `metric op threshold` holds for it. */
export interface Condition {
  /** A result table's adapter name (`drift`, `sla`, `quality`, ...) or `traffic`. */
  source: string;
  metric: string;
  /** Label equality matchers; a series must carry every one. */
  match: Record<string, string>;
  op: Comparison;
  threshold: number;
}

/** One alerting rule, validated. */
export interface AlertRule {
  alert: string;
  when: Condition;
  /** How long a condition holds before the alert fires. @default 0 */
  forMs: number;
  /** How long a firing alert keeps firing after its condition cleared. @default 0 */
  keepFiringForMs: number;
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
  rules: AlertRule[];
  receivers: ReceiverConfig[];
}

/** The rules file is unreadable or invalid; the message names the file, rule, field and problem. */
export class RulesError extends CollectorError {
  constructor(message: string) {
    super('ALERT_RULES_INVALID', 400, message);
  }
}

const OPS: readonly Comparison[] = ['>', '>=', '<', '<=', '==', '!='];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Parses and validates a rules file's text. Every problem is reported as
 * `<file>: rule "<name>" (rules[i]): <field>: <problem>`.
 * @throws RulesError on the first problem found
 */
export function parseRules(text: string, file: string, sources: ReadonlyArray<ResultSource<any>> = RESULT_SOURCES): RulesFile {
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new RulesError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const fail = (where: string, problem: string): never => {
    throw new RulesError(`${file}: ${where}: ${problem}`);
  };
  if (!isMap(doc)) fail('top level', 'expected a mapping with keys "rules" and "receivers"');
  const top = doc as Record<string, unknown>;
  for (const k of Object.keys(top)) if (k !== 'rules' && k !== 'receivers') fail(k, 'unknown key; expected "rules" or "receivers"');
  const rawReceivers = top.receivers ?? [];
  const rawRules = top.rules ?? [];
  if (!Array.isArray(rawReceivers)) fail('receivers', 'expected a list');
  if (!Array.isArray(rawRules)) fail('rules', 'expected a list');

  const receivers: ReceiverConfig[] = [];
  for (const [i, raw] of (rawReceivers as unknown[]).entries()) {
    const name = isMap(raw) && typeof raw.name === 'string' ? raw.name : '';
    const at = (field: string) => `receiver ${name ? `"${name}" ` : ''}(receivers[${i}]): ${field}`;
    if (!isMap(raw)) fail(at(''), 'expected a mapping');
    const r = raw as Record<string, unknown>;
    if (!name) fail(at('name'), 'required, a non-empty string');
    if (receivers.some((x) => x.name === name)) fail(at('name'), `duplicate receiver name "${name}"`);
    const known = ['name', 'webhook', 'slack', 'alertmanager', 'group_by', 'repeat_interval', 'retry'];
    for (const k of Object.keys(r)) if (!known.includes(k)) fail(at(k), `unknown key; known keys: ${known.join(', ')}`);
    const kinds = (['webhook', 'slack', 'alertmanager'] as const).filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) fail(at('webhook|slack|alertmanager'), `expected exactly one of webhook, slack, alertmanager; got ${kinds.length}`);
    const kind = kinds[0]!;
    const spec = r[kind];
    if (!isMap(spec)) fail(at(kind), 'expected a mapping with "url"');
    const s = spec as Record<string, unknown>;
    for (const k of Object.keys(s)) if (k !== 'url' && !(kind === 'slack' && k === 'channel')) fail(at(`${kind}.${k}`), 'unknown key');
    const url = s.url;
    let okUrl = false;
    try {
      okUrl = typeof url === 'string' && ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {
      // refused below
    }
    if (!okUrl) fail(at(`${kind}.url`), `expected an http(s) URL, got ${JSON.stringify(url)}`);
    const target: ReceiverTarget =
      kind === 'slack'
        ? { kind, url: url as string, ...(typeof s.channel === 'string' ? { channel: s.channel } : {}) }
        : { kind, url: kind === 'alertmanager' ? (url as string).replace(/\/+$/, '') : (url as string) };
    const groupBy = r.group_by ?? ['alertname'];
    if (!Array.isArray(groupBy) || !groupBy.every((g) => typeof g === 'string' && LABEL_NAME.test(g))) fail(at('group_by'), 'expected a list of label names');
    const repeat = durationField(r.repeat_interval, '4h', at('repeat_interval'), fail);
    if (repeat < 1000) fail(at('repeat_interval'), 'expected at least 1s');
    const retry = r.retry ?? {};
    if (!isMap(retry)) fail(at('retry'), 'expected a mapping with "attempts" and "backoff"');
    const rt = retry as Record<string, unknown>;
    for (const k of Object.keys(rt)) if (k !== 'attempts' && k !== 'backoff') fail(at(`retry.${k}`), 'unknown key; known keys: attempts, backoff');
    const attempts = rt.attempts ?? 5;
    if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1 || attempts > 20) fail(at('retry.attempts'), `expected an integer from 1 to 20, got ${JSON.stringify(attempts)}`);
    const backoff = durationField(rt.backoff, '1s', at('retry.backoff'), fail);
    receivers.push({ name, target, groupBy: groupBy as string[], repeatIntervalMs: repeat, attempts: attempts as number, backoffMs: backoff });
  }

  const rules: AlertRule[] = [];
  const sourceByName = new Map(sources.map((s) => [s.name, s]));
  for (const [i, raw] of (rawRules as unknown[]).entries()) {
    const name = isMap(raw) && typeof raw.alert === 'string' ? raw.alert : '';
    const at = (field: string) => `rule ${name ? `"${name}" ` : ''}(rules[${i}]): ${field}`;
    if (!isMap(raw)) fail(at(''), 'expected a mapping');
    const r = raw as Record<string, unknown>;
    if (!name || !LABEL_NAME.test(name)) fail(at('alert'), `required, a name matching ${LABEL_NAME.source}, got ${JSON.stringify(r.alert)}`);
    const known = ['alert', 'when', 'for', 'keep_firing_for', 'labels', 'annotations', 'notify'];
    for (const k of Object.keys(r)) if (!known.includes(k)) fail(at(k), `unknown key; known keys: ${known.join(', ')}`);
    const when = parseCondition(r.when, sourceByName, at, fail);
    const forMs = durationField(r.for, '0s', at('for'), fail);
    const keepFiringForMs = durationField(r.keep_firing_for, '0s', at('keep_firing_for'), fail);
    const labels = stringMap(r.labels, at('labels'), fail);
    for (const k of Object.keys(labels)) if (!LABEL_NAME.test(k) || k === 'alertname') fail(at(`labels.${k}`), `not a valid label name (${LABEL_NAME.source}, not "alertname")`);
    const annotations = stringMap(r.annotations, at('annotations'), fail);
    for (const [k, v] of Object.entries(annotations)) {
      const problem = checkTemplate(v);
      if (problem) fail(at(`annotations.${k}`), problem);
    }
    for (const [k, v] of Object.entries(labels)) {
      const problem = checkTemplate(v);
      if (problem) fail(at(`labels.${k}`), problem);
    }
    const notify = r.notify ?? [];
    if (!Array.isArray(notify) || !notify.every((n) => typeof n === 'string')) fail(at('notify'), 'expected a list of receiver names');
    for (const n of notify as string[]) {
      if (!receivers.some((x) => x.name === n)) fail(at('notify'), `unknown receiver "${n}"; defined receivers: ${receivers.map((x) => x.name).join(', ') || '(none)'}`);
    }
    if (rules.some((x) => x.alert === name)) fail(at('alert'), `duplicate rule name "${name}"`);
    rules.push({ alert: name, when, forMs, keepFiringForMs, labels, annotations, notify: notify as string[] });
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
  return parseRules(text, path, sources);
}

type Fail = (where: string, problem: string) => never;

function parseCondition(raw: unknown, sources: Map<string, ResultSource<any>>, at: (f: string) => string, fail: Fail): Condition {
  if (!isMap(raw)) return fail(at('when'), 'required, a mapping with source, metric, op and threshold');
  const known = ['source', 'metric', 'match', 'op', 'threshold', 'absent_for'];
  for (const k of Object.keys(raw)) if (!known.includes(k)) fail(at(`when.${k}`), `unknown key; known keys: ${known.join(', ')}`);
  const source = raw.source;
  const names = [...sources.keys(), TRAFFIC_SOURCE_NAME];
  if (typeof source !== 'string' || !names.includes(source)) return fail(at('when.source'), `expected one of ${names.join(', ')}, got ${JSON.stringify(source)}`);
  const labels: readonly string[] = source === TRAFFIC_SOURCE_NAME ? TRAFFIC_LABELS : Object.keys(sources.get(source)!.labels);
  const metrics: readonly string[] = source === TRAFFIC_SOURCE_NAME ? TRAFFIC_METRICS : Object.keys(sources.get(source)!.metrics);
  const match = stringMap(raw.match, at('when.match'), fail);
  for (const k of Object.keys(match)) if (!labels.includes(k)) fail(at(`when.match.${k}`), `source ${source} has no label "${k}"; its labels: ${labels.join(', ')}`);
  if (raw.absent_for !== undefined) {
    if (source !== TRAFFIC_SOURCE_NAME) fail(at('when.absent_for'), 'only for source traffic');
    if (raw.metric !== undefined || raw.op !== undefined || raw.threshold !== undefined) fail(at('when.absent_for'), 'replaces metric, op and threshold; give either absent_for or those three');
    const ms = durationField(raw.absent_for, '0s', at('when.absent_for'), fail);
    if (ms < 1000) fail(at('when.absent_for'), 'expected at least 1s');
    return { source, metric: 'seconds_since_last_prediction', match, op: '>=', threshold: ms / 1000 };
  }
  if (typeof raw.metric !== 'string' || !metrics.includes(raw.metric)) return fail(at('when.metric'), `expected one of ${metrics.join(', ')} for source ${source}, got ${JSON.stringify(raw.metric)}`);
  if (typeof raw.op !== 'string' || !OPS.includes(raw.op as Comparison)) return fail(at('when.op'), `expected one of ${OPS.join(' ')}, got ${JSON.stringify(raw.op)}`);
  if (typeof raw.threshold !== 'number' || !Number.isFinite(raw.threshold)) return fail(at('when.threshold'), `expected a number, got ${JSON.stringify(raw.threshold)}`);
  return { source, metric: raw.metric, match, op: raw.op as Comparison, threshold: raw.threshold };
}

function durationField(raw: unknown, dflt: string, where: string, fail: Fail): number {
  const text = raw === undefined || raw === null ? dflt : raw;
  const ms = typeof text === 'string' ? parseDuration(text) : undefined;
  if (ms === undefined) return fail(where, `expected a duration such as 30s, 5m or 1h, got ${JSON.stringify(raw)}`);
  return ms;
}

function stringMap(raw: unknown, where: string, fail: Fail): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isMap(raw)) return fail(where, 'expected a mapping of names to strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') fail(`${where}.${k}`, `expected a string, got ${JSON.stringify(v)}`);
    out[k] = String(v);
  }
  return out;
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
