import Type, { type TObject, type TSchema } from 'typebox';

/** One key of the configuration file, as `--help` and docs/configuration.md list it. */
export interface ConfigKey {
  /** Dotted path in the YAML file: `batch.maxRows`. */
  path: string;
  segments: string[];
  /** The key's schema, custom keywords included. */
  schema: TSchema;
  /** Environment variable; absent for keys only the YAML file holds (lists). */
  env?: string;
  /** Command-line flag without `--`. */
  flag?: string;
  /** The sentence that documents it (Markdown). */
  description: string;
  /** The key whose resolved value is its default (`drift.windowSeconds`). */
  defaultFrom?: string;
  /** The default as `--help` and docs/configuration.md print it: a value, `(empty)`, or the key it follows. */
  defaultText: string;
}

function defaultText(s: Record<string, unknown>): string {
  if (typeof s.defaultFrom === 'string') return s.defaultFrom;
  if (s.default === '') return '(empty)';
  return typeof s.default === 'string' ? s.default : JSON.stringify(s.default);
}

/**
 * What `--help` and docs/configuration.md say about a key: its description, plus its range when an integer's
 * bounds are not the usual 1 to 2^53 − 1 (`60 to 86400`).
 */
export function meaning(key: ConfigKey): string {
  const { type, minimum, maximum } = key.schema as { type?: string; minimum?: number; maximum?: number };
  const usual = minimum === 1 && maximum === Number.MAX_SAFE_INTEGER;
  return type === 'integer' && minimum !== undefined && maximum !== undefined && !usual ? `${key.description}; ${minimum} to ${maximum}` : key.description;
}

/** Every key of a configuration schema, depth first in schema order; a nested `Type.Object` is a section, anything else a key. */
export function configKeys(schema: TObject, prefix: string[] = []): ConfigKey[] {
  return Object.entries(schema.properties).flatMap(([name, node]): ConfigKey[] => {
    const segments = [...prefix, name];
    if (Type.IsObject(node)) return configKeys(node, segments);
    const s = node as Record<string, unknown>;
    return [
      {
        path: segments.join('.'),
        segments,
        schema: node,
        ...(typeof s.env === 'string' ? { env: s.env } : {}),
        ...(typeof s.flag === 'string' ? { flag: s.flag } : {}),
        description: String(s.description ?? ''),
        ...(typeof s.defaultFrom === 'string' ? { defaultFrom: s.defaultFrom } : {}),
        defaultText: defaultText(s),
      },
    ];
  });
}
