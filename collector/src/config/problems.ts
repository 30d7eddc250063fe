import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** A key of a YAML document: a mapping key or a list index. */
export type Segment = string | number;

/**
 * Throws the document's own error for a problem at `path`; `problem` is the text after the key,
 * such as `expected a positive number, got -1`. Refinements report through it.
 */
export type Fail = (path: readonly Segment[], problem: string) => never;

/** The first thing wrong with a document, in terms of its keys and its schema. */
export type Problem =
  /** `path` holds a value its schema refuses; `expected` says what it takes. */
  | { kind: 'invalid'; path: Segment[]; expected: string }
  /** The required key at `path` is missing. */
  | { kind: 'missing'; path: Segment[]; expected: string }
  /** The mapping at `path` holds `key`, which its schema does not list. */
  | { kind: 'unknown'; path: Segment[]; key: string; known: string[] };

type Node = TSchema & Record<string, unknown>;

/** `drift.models[0].features.age`: the path as the docs and the messages write it. */
export function dotted(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** A YAML document with keys set to nothing (`for:`, `port: ~`) left out: YAML's way of writing an empty value. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])));
}

/** The value at `path`, or undefined. */
export function valueAt(doc: unknown, path: readonly Segment[]): unknown {
  let cur = doc;
  for (const s of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<Segment, unknown>)[s];
  }
  return cur;
}

/** `a, b or c`. */
function list(values: readonly unknown[]): string {
  const texts = values.map(String);
  return texts.length < 2 ? texts.join('') : `${texts.slice(0, -1).join(', ')} or ${texts.at(-1)}`;
}

function numberRange(s: Node, noun: string): string {
  const [min, xmin, max, xmax] = [s.minimum, s.exclusiveMinimum, s.maximum, s.exclusiveMaximum] as Array<number | undefined>;
  if (xmin !== undefined && xmax !== undefined) return `${noun} strictly between ${xmin} and ${xmax}`;
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  const parts = [
    xmin !== undefined ? `above ${xmin}` : min !== undefined ? `of at least ${min}` : '',
    xmax !== undefined ? `below ${xmax}` : max !== undefined ? `at most ${max}` : '',
  ].filter(Boolean);
  return [noun, parts.join(' and ')].filter(Boolean).join(' ');
}

/**
 * What a schema accepts, in words, from its own constraints: `an integer from 0 to 65535`,
 * `a non-empty string of at most 256 characters`, `one of ks, psi`, `a mapping with keys url,
 * username`. A schema's `expected` keyword (set for rules TypeBox cannot state) wins.
 */
export function describe(schema: TSchema): string {
  const s = schema as Node;
  if (typeof s.expected === 'string') return s.expected;
  const such = Array.isArray(s.examples) && s.examples.length > 0 ? ` such as ${list(s.examples)}` : '';
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`;
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) return list((s.anyOf as TSchema[]).map(describe));
  switch (s.type) {
    case 'integer':
      return numberRange(s, 'an integer') + such;
    case 'number':
      return numberRange(s, 'a number') + such;
    case 'boolean':
      return 'true or false';
    case 'string': {
      const max = s.maxLength === undefined ? '' : ` of at most ${s.maxLength} characters`;
      const text = `${s.minLength ? 'a non-empty string' : 'a string'}${max}`;
      return (s.pattern === undefined ? text : `${text} matching ${s.pattern}`) + such;
    }
    case 'array': {
      const item = s.items as Node;
      const what = item.type === 'object' && item.properties ? `{ ${Object.keys(item.properties).join(', ')} }` : `items each ${describe(item)}`;
      return `${s.minItems ? 'a non-empty list' : 'a list'} of ${what}`;
    }
    case 'object': {
      if (s.properties) return `a mapping with keys ${Object.keys(s.properties).join(', ')}`;
      const values = Object.values((s.patternProperties ?? {}) as Record<string, TSchema>);
      return values.length === 1 ? `a mapping of names to values each ${describe(values[0]!)}` : 'a mapping';
    }
  }
  return 'a valid value';
}

/** The schema node a JSON pointer (`#/properties/slos/items`) names. */
function nodeAt(root: TSchema, pointer: string): Node {
  let cur = root as Node;
  for (const raw of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    cur = cur[raw.replace(/~1/g, '/').replace(/~0/g, '~')] as Node;
  }
  return cur;
}

/** `/slos/0/latency` as segments, list indices as numbers (read off the value itself). */
function segments(doc: unknown, pointer: string): Segment[] {
  const out: Segment[] = [];
  let cur = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg = Array.isArray(cur) ? Number(token) : token;
    out.push(seg);
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<Segment, unknown>)[seg] : undefined;
  }
  return out;
}

/**
 * Checks `doc` against `schema` with TypeBox and returns the first problem, or undefined when
 * the document is valid. Of a union's errors only the union's own counts (its branches' errors
 * would each tell half the story); refinements (`Type.Refine`) report their `expected` text; an
 * unknown key is reported before a required key missing from the same mapping.
 */
export function firstProblem(schema: TSchema, doc: unknown): Problem | undefined {
  const errors = Value.Errors(schema, doc);
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.schemaPath);
  const own = errors.filter((x) => x.keyword !== 'boolean' && !unions.some((u) => x.schemaPath.startsWith(`${u}/anyOf/`) || x.schemaPath.startsWith(`${u}/oneOf/`)));
  // A misspelt key also leaves a required one missing: the unknown key is the useful news.
  const e = own[0]?.keyword === 'required' ? (own.find((x) => x.keyword === 'additionalProperties' && x.instancePath === own[0]!.instancePath) ?? own[0]) : own[0];
  if (!e) return undefined;
  const path = segments(doc, e.instancePath);
  const node = nodeAt(schema, e.schemaPath);
  switch (e.keyword) {
    case 'additionalProperties':
      return { kind: 'unknown', path, key: e.params.additionalProperties[0]!, known: Object.keys((node.properties ?? {}) as object) };
    case 'required': {
      const key = e.params.requiredProperties[0]!;
      return { kind: 'missing', path: [...path, key], expected: describe((node.properties as Record<string, TSchema>)[key]!) };
    }
    case '~refine':
      return { kind: 'invalid', path, expected: e.params.message };
    default:
      return { kind: 'invalid', path, expected: describe(node) };
  }
}
