/**
 * Who a request acts as, once its key is checked: the key's id, its one project (or every
 * project), and its scopes. With authentication off no request has a principal, and every
 * request may do everything, as before keys existed.
 */

/** What a key may do: send records, read, manage (references, pins, job runs, rules, keys, audit). */
export const SCOPES = ['ingest', 'read', 'admin'] as const;

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

/** The project of a key that acts on every project. */
export const ALL_PROJECTS = '*';

/** A key's own records-per-second limit, when it has one (else the configured default applies). */
export interface KeyRateLimit {
  recordsPerSecond: number;
  burst: number;
}

/** The key a request carries, as checked. */
export interface Principal {
  /** The key's id (`admin` for the bootstrap key): what the audit log and the logs name, never the key. */
  readonly keyId: string;
  /** The one project the key acts on, or {@link ALL_PROJECTS}. */
  readonly project: string;
  readonly scopes: ReadonlySet<Scope>;
  /** The key's own rate limit, if it was given one. */
  readonly rateLimit?: KeyRateLimit | undefined;
}

/** Whether `principal` holds `scope`: `admin` includes `read` (an admin sees what it manages), nothing else includes another. */
export function grants(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope) || (scope === 'read' && principal.scopes.has('admin'));
}

/** The project a principal is bound to, or undefined for none (a key of every project, or no key at all). */
export function boundProject(principal: Principal | null | undefined): string | undefined {
  return principal && principal.project !== ALL_PROJECTS ? principal.project : undefined;
}
