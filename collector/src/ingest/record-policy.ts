import { DEFAULT_PROJECT } from '@inferlens/semconv';
import type { Redactor } from './Redactor.js';

/**
 * What the request's key and the collector's redaction impose on each record, beyond the
 * record's own rules.
 * Every path that turns a record into a row applies it the same way: the native endpoints'
 * transcoder (fast path and validator path alike), `parseRecordBody`, and the OTLP log receiver.
 */
export interface RecordPolicy {
  /**
   * The project of a key bound to one: a record naming another project is rejected alone; one
   * naming none (or `default`) is stored in this one.
   */
  readonly onlyProject?: string | undefined;
  /** Collector-side redaction (`redaction.rules`), applied to each `predictions` row before it is stored. */
  readonly redactor?: Redactor | undefined;
  /**
   * Charges the request's key for `records` records (received, rejected ones included) before
   * any row is handed to storage; throws `RateLimitedError` (429) to refuse the request whole.
   */
  readonly admit?: ((records: number) => void) | undefined;
}

/** No constraint: authentication off, or a key of every project. */
export const NO_POLICY: RecordPolicy = Object.freeze({});

/** The rejection of a record whose project the policy refuses (the text after `project: `); undefined when it may be stored. */
export function projectRejection(recordProject: string, policy: RecordPolicy): string | undefined {
  const only = policy.onlyProject;
  if (only === undefined || recordProject === only || recordProject === DEFAULT_PROJECT || recordProject === '') return undefined;
  return `this key writes to project ${JSON.stringify(only)} only, got ${JSON.stringify(recordProject)}`;
}
