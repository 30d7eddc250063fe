import { createHash, createHmac } from 'node:crypto';
import type { RedactionConfig } from '../config/redaction.js';
import type { PredictionRow } from '../store/schema/predictions.js';

/** The value maps redaction applies to, as `predictions` and `reference_data` rows hold them. */
export interface RedactableValues {
  NumericFeatures: Record<string, number>;
  CategoricalFeatures: Record<string, string>;
  NumericOutputs: Record<string, number>;
  CategoricalOutputs: Record<string, string>;
}

interface Compiled {
  drop: ReadonlySet<string>;
  hash: ReadonlySet<string>;
}

/**
 * Collector-side redaction (`redaction.rules`): for a record's final project and model, the
 * features and outputs to drop and to hash, merged from every rule that matches (`*` for any
 * project or model); a name both dropped and hashed is dropped. Applied to the `predictions` row
 * every ingestion path builds, before it is stored; the native endpoints' fast path hands the
 * records it applies to to that path (see `predictions-rowbinary.ts`).
 */
export class Redactor {
  readonly #rules: RedactionConfig['rules'];
  readonly #hashKey: string;
  readonly #cache = new Map<string, Compiled | null>();

  constructor(config: RedactionConfig) {
    this.#rules = config.rules;
    this.#hashKey = config.hashKey;
  }

  /** Whether any rule is configured (none: the redactor is never asked). */
  get active(): boolean {
    return this.#rules.length > 0;
  }

  /** Whether records of `project`'s `model` have anything redacted. */
  applies(project: string, model: string): boolean {
    return this.#compiled(project, model) !== null;
  }

  /** The row with its redacted features and outputs dropped or hashed (a new row; the given one unchanged). */
  redact(row: PredictionRow): PredictionRow {
    return this.#compiled(row.Project, row.ModelName) === null ? row : { ...row, ...this.redactValues(row.Project, row.ModelName, row) };
  }

  /**
   * The four value maps of a record of `project`'s `model` with the redacted names dropped or
   * hashed (new maps; the given ones unchanged): what `redact` does to a prediction, and what a
   * reference upload's rows get, so that a hashed feature compares with its reference.
   */
  redactValues<V extends RedactableValues>(project: string, model: string, row: V): RedactableValues {
    const c = this.#compiled(project, model);
    if (c === null) return row;
    const numericFeatures = { ...row.NumericFeatures };
    const categoricalFeatures = { ...row.CategoricalFeatures };
    const numericOutputs = { ...row.NumericOutputs };
    const categoricalOutputs = { ...row.CategoricalOutputs };
    for (const [numeric, categorical] of [
      [numericFeatures, categoricalFeatures],
      [numericOutputs, categoricalOutputs],
    ] as const) {
      for (const name of Object.keys(categorical)) {
        if (c.drop.has(name)) delete categorical[name];
        else if (c.hash.has(name)) categorical[name] = this.hash(categorical[name]!);
      }
      // After the categories: a hashed number is no longer a number, it moves to the categorical map.
      for (const name of Object.keys(numeric)) {
        if (c.drop.has(name)) delete numeric[name];
        else if (c.hash.has(name)) {
          categorical[name] = this.hash(String(numeric[name]));
          delete numeric[name];
        }
      }
    }
    return { NumericFeatures: numericFeatures, CategoricalFeatures: categoricalFeatures, NumericOutputs: numericOutputs, CategoricalOutputs: categoricalOutputs };
  }

  /** `h:` and the first 32 hex digits of the HMAC-SHA256 of `value` (SHA-256 without a key). */
  hash(value: string): string {
    const h = this.#hashKey ? createHmac('sha256', this.#hashKey) : createHash('sha256');
    return `h:${h.update(value, 'utf8').digest('hex').slice(0, 32)}`;
  }

  #compiled(project: string, model: string): Compiled | null {
    if (this.#rules.length === 0) return null;
    const id = `${project}\u0000${model}`;
    let c = this.#cache.get(id);
    if (c === undefined) {
      const drop = new Set<string>();
      const hash = new Set<string>();
      for (const r of this.#rules) {
        if ((r.project !== '*' && r.project !== project) || (r.model !== '*' && r.model !== model)) continue;
        for (const n of r.drop) drop.add(n);
        for (const n of r.hash) hash.add(n);
      }
      c = drop.size + hash.size > 0 ? { drop, hash } : null;
      // Bounded: projects and models are few, but a client may send many names.
      if (this.#cache.size >= 10_000) this.#cache.clear();
      this.#cache.set(id, c);
    }
    return c;
  }
}
