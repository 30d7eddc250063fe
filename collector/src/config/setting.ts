import Type, { type Static, type TProperties, type TSchema } from 'typebox';
import { describe } from './problems.js';

/**
 * Custom keywords of a setting's schema, beside TypeBox's own (`default`, `minimum`, ...): where
 * the setting comes from besides the YAML file, and the sentence that documents it. The loader,
 * `--help` and the table of docs/configuration.md read them, so they cannot disagree.
 */
export type SettingKeywords = {
  /** The environment variable. */
  env: `INFERLENS_${string}`;
  /** The command-line flag, without `--`; most settings have none. */
  flag?: string;
  /** One sentence for `--help` and docs/configuration.md (Markdown `code`, and links to other pages of docs/ by file name). */
  description: string;
  /** What the setting takes, in words, where its constraints alone would not say it (a refined rule). */
  expected?: string;
};

/** A setting's default: a value, or the resolved value of another setting (`defaultFrom: 'drift.windowSeconds'`). */
export type DefaultOf<T> = { default: T; defaultFrom?: never } | { defaultFrom: string; default?: never };

/** An integer setting from 1 to 2^53 − 1 unless `minimum` / `maximum` say otherwise. */
export function Count(options: SettingKeywords & DefaultOf<number> & { minimum?: number; maximum?: number }) {
  return Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...options });
}

/** A text setting. */
export function Text(options: SettingKeywords & DefaultOf<string>) {
  return Type.String(options);
}

/** A model, version or SLO name: what the collector stores takes at most 256 characters. */
export const Name = Type.String({ minLength: 1, maxLength: 256 });

/** {@link Name} with a default, for an optional key of a list entry. */
export function NameOr(fallback: string) {
  return Type.String({ minLength: 1, maxLength: 256, default: fallback });
}

/** A section of the YAML file (`batch:`): a mapping of settings, nothing else; absent means all defaults. */
export function Section<Properties extends TProperties>(properties: Properties, description: string) {
  return Type.Object(properties, { additionalProperties: false, default: {}, description });
}

/** A list that only the YAML file can hold (`slos:`), empty by default. */
export function FileList<Item extends TSchema>(item: Item, description: string, expected?: string) {
  return Type.Array(item, { default: [], description, ...(expected ? { expected } : {}) });
}

/** A mapping inside a YAML-only list entry; unknown keys are refused. */
export function Entry<Properties extends TProperties>(properties: Properties) {
  return Type.Object(properties, { additionalProperties: false });
}

/**
 * Adds a rule TypeBox cannot state to a schema; a value breaking it is reported with the schema's
 * `expected` keyword (or `expected` here), so the message says what is expected in words.
 */
export function refine<T extends TSchema>(type: T, check: (value: Static<T>) => boolean, expected: string = describe(type)) {
  return Type.Refine(type, check as (value: unknown) => boolean, () => expected);
}

/** Whether a text is an http: or https: URL (`localhost:8123` parses as a URL with scheme `localhost:`). */
export function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
