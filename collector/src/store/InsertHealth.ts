import { StoreError } from '../errors.js';
import { classifyInsertFailure } from './insert-failure.js';

/**
 * Whether a failed insert says the store cannot take writes (disk full, read-only or missing
 * directories, the engine or server down, out of memory, a missing table), so that readiness
 * turns to 503 — as opposed to a failure caused by the content of that one batch
 * ({@link classifyInsertFailure} `content`), which must not. Only the store's own errors count:
 * a saturated batcher or a bug in the caller says nothing about the store.
 */
export function isStoreFailure(err: unknown): boolean {
  return err instanceof StoreError && classifyInsertFailure(err) !== 'content';
}

/** A table whose latest insert failed with a store failure. */
export interface FailingTable {
  table: string;
  /** The error's message. */
  error: string;
  /** ClickHouse's error type, when it gave one (e.g. `NOT_ENOUGH_SPACE`). */
  clickhouseType: string | undefined;
  /** When that insert failed (Unix ms). */
  failedAtMs: number;
}

/** What {@link InsertHealth.check} answers. */
export type InsertReadiness =
  | { ready: true }
  | {
      ready: false;
      /** One sentence naming each failing table and its error, and the probe's outcome. */
      reason: string;
      failing: FailingTable[];
    };

/** Options of {@link InsertHealth}. */
export interface InsertHealthOptions {
  /**
   * Writes something small through ingestion's insert path; resolves once it is stored, rejects
   * when the store does not take it.
   */
  probe: () => Promise<void>;
  /**
   * How long inserts into the failing tables must have been quiet (no new failure) before a
   * check probes the store; also the least time between two probes. @default 5000
   */
  quietMs?: number;
  /** The clock, in Unix ms. @default Date.now */
  now?: () => number;
}

interface Failure {
  error: StoreError;
  atMs: number;
  /** Order of the outcome, to tell the failures that happened after a probe started. */
  seq: number;
}

/**
 * Readiness from the outcomes of ingestion's inserts, like a circuit breaker per table: a table
 * whose latest insert failed with a store failure ({@link isStoreFailure}) makes the collector
 * not ready, naming the table and the error, until an insert into it succeeds again. While
 * traffic keeps arriving, its inserts are the evidence. When it stops (a load balancer routes
 * the traffic elsewhere once `/readyz` says 503), a check made after {@link InsertHealthOptions.quietMs}
 * without a new failure probes the store with a write of one row through the same path;
 * its success clears the failures recorded before it started, so readiness recovers by itself
 * once the store takes writes again. A probe shares the table-independent causes (disk space,
 * the spool directory, the engine or server); a failure of one table alone (its own parts
 * directory, its own part limit) is cleared by a successful probe and comes back at the next
 * failed insert into that table, so readiness then alternates at the probe's pace. Checks are
 * cheap: nothing but a map lookup while inserts succeed, and at most one probe per `quietMs`
 * (concurrent checks share it) while they fail.
 */
export class InsertHealth {
  readonly #probe: () => Promise<void>;
  readonly #quietMs: number;
  readonly #now: () => number;
  readonly #failing = new Map<string, Failure>();
  #seq = 0;
  #probing: Promise<void> | undefined;
  #lastProbe: { atMs: number; error: unknown } | undefined;

  constructor(options: InsertHealthOptions) {
    this.#probe = options.probe;
    this.#quietMs = options.quietMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Records the outcome of one insert into `table`: `err` undefined when it stored its rows.
   * Never throws. Failures that are not store failures leave the state as it is.
   */
  record(table: string, err?: unknown): void {
    this.#seq++;
    if (err === undefined) this.#failing.delete(table);
    else if (isStoreFailure(err)) this.#failing.set(table, { error: err as StoreError, atMs: this.#now(), seq: this.#seq });
  }

  /** Ready unless some table's latest insert failed with a store failure; probes the store first when it is due. */
  async check(): Promise<InsertReadiness> {
    if (this.#failing.size === 0) return { ready: true };
    if (this.#probeDue()) {
      this.#probing ??= this.#runProbe().finally(() => (this.#probing = undefined));
    }
    if (this.#probing) await this.#probing;
    if (this.#failing.size === 0) return { ready: true };
    const failing = [...this.#failing].map(([table, f]) => ({
      table,
      error: f.error.message,
      clickhouseType: f.error.clickhouseType,
      failedAtMs: f.atMs,
    }));
    const tables = failing.map((f) => `the latest insert into ${f.table} failed: ${f.error}`).join('; ');
    return { ready: false, reason: `${tables}; ${this.#probeOutcome()}`, failing };
  }

  #probeOutcome(): string {
    const last = this.#lastProbe;
    if (last === undefined) return `a write probe runs once inserts have failed no more for ${this.#quietMs} ms`;
    if (last.error === undefined) return 'the last write probe succeeded, but an insert failed after it';
    return `the last write probe failed too: ${last.error instanceof Error ? last.error.message : String(last.error)}`;
  }

  #probeDue(): boolean {
    const now = this.#now();
    for (const f of this.#failing.values()) if (now - f.atMs < this.#quietMs) return false;
    return this.#lastProbe === undefined || now - this.#lastProbe.atMs >= this.#quietMs;
  }

  async #runProbe(): Promise<void> {
    const startSeq = this.#seq;
    let error: unknown;
    try {
      await this.#probe();
    } catch (err) {
      error = err ?? new Error('the probe failed');
    }
    this.#lastProbe = { atMs: this.#now(), error };
    if (error !== undefined) return;
    for (const [table, f] of this.#failing) if (f.seq <= startSeq) this.#failing.delete(table);
  }
}
