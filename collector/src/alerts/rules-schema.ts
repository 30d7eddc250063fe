import Type, { type Static } from 'typebox';
import { isHttpUrl, refine } from '../config/setting.js';
import { parseDuration } from './duration.js';

/** Comparison operators of a condition. */
export const OPS = ['>', '>=', '<', '<=', '==', '!='] as const;

/** Prometheus's label names; also the form of a rule's name. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const strict = { additionalProperties: false } as const;

/** A Prometheus-style duration (`30s`, `5m`, `1h30m`), optionally with a default and a lower bound. */
function Duration(options: { default?: string; atLeast1s?: boolean } = {}) {
  const duration = refine(Type.String({ expected: 'a duration such as 30s, 5m or 1h', ...(options.default ? { default: options.default } : {}) }), (t) => parseDuration(t) !== undefined);
  return options.atLeast1s ? Type.Refine(duration, (t) => (parseDuration(t) ?? 0) >= 1000, () => 'a duration of at least 1s') : duration;
}

const Url = refine(Type.String({ expected: 'an http(s) URL' }), isHttpUrl);
const LabelName = Type.String({ pattern: LABEL_NAME.source });
/** Label and annotation values; numbers and booleans are taken as their text. */
const Strings = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()], { expected: 'a string' }), { expected: 'a mapping of names to strings' });

/** One entry of `receivers:`; exactly one of webhook, slack, alertmanager (a refinement checks it). */
const Receiver = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    webhook: Type.Optional(Type.Object({ url: Url }, strict)),
    slack: Type.Optional(Type.Object({ url: Url, channel: Type.Optional(Type.String()) }, strict)),
    alertmanager: Type.Optional(Type.Object({ url: Url }, strict)),
    /** Labels whose values form a notification group. */
    group_by: Type.Optional(Type.Array(LabelName, { default: ['alertname'], expected: 'a list of label names' })),
    /** How often a group that still has firing alerts is notified again. */
    repeat_interval: Type.Optional(Duration({ default: '4h', atLeast1s: true })),
    /** Delivery attempts, and the first retry delay (doubling at each attempt). */
    retry: Type.Optional(
      Type.Object({ attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5 })), backoff: Type.Optional(Duration({ default: '1s' })) }, { ...strict, default: {} }),
    ),
  },
  strict,
);

/** `when:`; the metric a source offers, and absent_for against metric/op/threshold, are refinements. */
function Condition(sources: readonly string[]) {
  return Type.Object(
    {
      source: Type.Enum([...sources]),
      metric: Type.Optional(Type.String()),
      match: Type.Optional(Strings),
      op: Type.Optional(Type.Enum(OPS)),
      threshold: Type.Optional(Type.Number()),
      absent_for: Type.Optional(Duration({ atLeast1s: true })),
      /** Benjamini–Hochberg false-discovery rate over the window's matching series, in place of metric, op and threshold. */
      fdr: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, expected: 'a false-discovery rate between 0 and 1, such as 0.05' })),
    },
    strict,
  );
}

function Rule(sources: readonly string[]) {
  return Type.Object(
    {
      alert: LabelName,
      when: Condition(sources),
      for: Type.Optional(Duration({ default: '0s' })),
      keep_firing_for: Type.Optional(Duration({ default: '0s' })),
      /** Hysteresis: fire only once the condition held in this many consecutive windows of its series. */
      consecutive_windows: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1 })),
      labels: Type.Optional(Strings),
      annotations: Type.Optional(Strings),
      notify: Type.Optional(Type.Array(Type.String(), { default: [], expected: 'a list of receiver names' })),
    },
    strict,
  );
}

/** The rules file (its own document, not the collector's configuration), for these `when.source` names. */
export function rulesSchema(sources: readonly string[]) {
  return Type.Object({ receivers: Type.Optional(Type.Array(Receiver, { default: [] })), rules: Type.Optional(Type.Array(Rule(sources), { default: [] })) }, strict);
}

/** A rules file as the schema checks it, defaults filled. */
export type RulesDocument = Static<ReturnType<typeof rulesSchema>>;
