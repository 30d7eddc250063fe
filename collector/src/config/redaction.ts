import Type, { type Static } from 'typebox';
import { Entry, FileList, Section, Text } from './setting.js';

const Names = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { default: [] });

/**
 * One entry of `redaction.rules`: what the collector drops or hashes of a project's model's
 * records before anything is stored.
 */
const RedactionRule = Entry({
  /** The project; `*`: every project. */
  project: Type.String({ minLength: 1, maxLength: 256, default: '*' }),
  /** The model; `*`: every model of the project. */
  model: Type.String({ minLength: 1, maxLength: 256, default: '*' }),
  /** Features and outputs removed from the record (both maps, numeric and categorical). */
  drop: Names,
  /** Features and outputs whose value is replaced by a keyed hash (`h:` + 32 hex digits), stored as a category. */
  hash: Names,
});

/** `redaction:`: collector-side redaction of features and outputs (see [Security](security.md#redaction)). */
export const RedactionSection = Section(
  {
    hashKey: Text({
      env: 'INFERLENS_REDACTION_HASH_KEY',
      default: '',
      description:
        'secret key of the HMAC-SHA256 that `hash` applies (same key, same hash: values can still be counted and joined); empty: plain SHA-256, which a dictionary of likely values reverses',
    }),
    rules: FileList(RedactionRule, 'features and outputs dropped or hashed per project and model before anything is stored (YAML file only); see [Security](security.md#redaction)'),
  },
  'collector-side redaction of features and outputs',
);

/** The `redaction:` settings. */
export type RedactionConfig = Static<typeof RedactionSection>;
/** One entry of `redaction.rules`. */
export type RedactionRuleConfig = Static<typeof RedactionRule>;
