import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { readLease, writeLease, type LeaseState } from '../store/repositories/job-leases.js';

/** Options of {@link JobLease}. */
export interface JobLeaseOptions {
  /** The lease's name. @default 'jobs' */
  name?: string;
  /** How long a taken or renewed lease holds without renewal, in ms; renewed every third of it. */
  ttlMs: number;
  /** Wait between writing a claim and reading who won, in ms (two standbys may claim at once). @default min(1000, ttlMs / 10) */
  settleMs?: number;
  /** Called when this collector becomes the holder (before `isHolder` turns true) and when it stops being one. */
  onChange?: (holder: boolean, lease: LeaseState | undefined) => void | Promise<void>;
  /** Called with a failed attempt (the store unreachable): the collector then stops holding at the expiry it wrote. */
  onError?: (err: unknown) => void;
}

/**
 * A lease in the store (`job_leases`) that lets one of several collectors run the jobs and
 * alerting. Every `ttlMs / 3` the holder renews its row; a standby whose read finds the newest
 * row expired (by the engine's clock) writes a claim, waits `settleMs`, and holds the lease if
 * the newest row is then its own (the later claim wins; equal times: the greater holder id).
 * Claims written within `settleMs` of each other are settled at once; later ones can leave two
 * holders for at most one renewal period, after which the earlier sees the later row and steps
 * down. Jobs write their results idempotently (keyed by window), so such an overlap repeats work
 * and cannot corrupt it. A holder that cannot reach the store stops holding once the expiry it
 * last wrote has passed on its own clock. `stop()` releases the lease, so a standby takes over at
 * its next attempt instead of after the expiry.
 */
export class JobLease {
  readonly holderId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly #store: ClickHouseStore;
  readonly #name: string;
  readonly #ttlMs: number;
  readonly #settleMs: number;
  readonly #options: JobLeaseOptions;
  #holder = false;
  #acquiredAtMs = 0;
  /** Local clock time until which the lease we wrote holds, measured from before the write. */
  #localExpiry = 0;
  #last: LeaseState | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;

  constructor(store: ClickHouseStore, options: JobLeaseOptions) {
    this.#store = store;
    this.#name = options.name ?? 'jobs';
    this.#ttlMs = options.ttlMs;
    this.#settleMs = options.settleMs ?? Math.min(1000, Math.floor(options.ttlMs / 10));
    this.#options = options;
  }

  /** True while this collector holds the lease. */
  get isHolder(): boolean {
    if (this.#holder && Date.now() >= this.#localExpiry) void this.#set(false);
    return this.#holder;
  }

  /** The newest row read, for `GET /api/v1/jobs`. */
  status(): { name: string; holderId: string; holder: boolean; current: LeaseState | null } {
    return { name: this.#name, holderId: this.holderId, holder: this.isHolder, current: this.#last ?? null };
  }

  /** Makes the first attempt (so a sole collector holds the lease once started), then keeps trying or renewing. */
  async start(): Promise<void> {
    await this.#attempt();
    this.#schedule();
  }

  /** Stops renewing; a holder releases the lease (writes its expiry as now). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    if (!this.#holder) return;
    await this.#set(false);
    try {
      const { nowMs } = await readLease(this.#store, this.#name);
      await writeLease(this.#store, { Name: this.#name, Holder: this.holderId, AcquiredAt: this.#acquiredAtMs, RenewedAt: nowMs, ExpiresAt: nowMs });
    } catch (err) {
      this.#options.onError?.(err);
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#attempt().finally(() => {
        this.#running = undefined;
        this.#schedule();
      });
    }, Math.max(50, Math.floor(this.#ttlMs / 3)));
  }

  async #attempt(): Promise<void> {
    try {
      const { nowMs, lease } = await readLease(this.#store, this.#name);
      this.#last = lease;
      const mine = lease?.holder === this.holderId;
      if (lease && !mine && lease.expiresAtMs > nowMs) {
        await this.#set(false);
        return;
      }
      const started = Date.now();
      this.#acquiredAtMs = mine && this.#holder ? lease!.acquiredAtMs : nowMs;
      await writeLease(this.#store, { Name: this.#name, Holder: this.holderId, AcquiredAt: this.#acquiredAtMs, RenewedAt: nowMs, ExpiresAt: nowMs + this.#ttlMs });
      if (!this.#holder) await new Promise((r) => setTimeout(r, this.#settleMs));
      const after = await readLease(this.#store, this.#name);
      this.#last = after.lease;
      const won = after.lease?.holder === this.holderId;
      if (won) this.#localExpiry = started + this.#ttlMs;
      await this.#set(won);
    } catch (err) {
      this.#options.onError?.(err);
      if (this.#holder && Date.now() >= this.#localExpiry) await this.#set(false);
    }
  }

  async #set(holder: boolean): Promise<void> {
    if (holder === this.#holder) return;
    if (holder) await this.#options.onChange?.(true, this.#last);
    this.#holder = holder;
    if (!holder) await this.#options.onChange?.(false, this.#last);
  }
}
