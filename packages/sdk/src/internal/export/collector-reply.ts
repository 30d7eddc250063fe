/**
 * The collector's answer to `POST /v1/predictions` and `/v1/feedback` (HTTP 200): it stores
 * the valid records of a body and names the others,
 * `{ "accepted": 510, "rejected": 2, "errors": ["record 17: features.age: …", …] }`.
 */
export interface CollectorReply {
  /** Records stored; undefined when the reply did not say. */
  readonly accepted: number | undefined;
  /** Records refused. */
  readonly rejected: number;
  /** One line per refused record (the collector sends at most 100). */
  readonly errors: readonly string[];
}

/** Reads a reply; undefined when it is not such a JSON object (another server, an empty body). Never throws. */
export function parseCollectorReply(text: string): CollectorReply | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { accepted, rejected, errors } = body as Record<string, unknown>;
  return {
    accepted: typeof accepted === 'number' ? accepted : undefined,
    rejected: typeof rejected === 'number' && rejected > 0 ? rejected : 0,
    errors: Array.isArray(errors) ? errors.map(String) : [],
  };
}

/** The warning a reply calls for (records were refused, with the first three reasons), or undefined. */
export function rejectedWarning(reply: CollectorReply | undefined): string | undefined {
  if (!reply || reply.rejected === 0) return undefined;
  return `collector rejected ${reply.rejected} records: ${reply.errors.slice(0, 3).join('; ')}`;
}
