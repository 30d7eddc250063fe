import { statfsSync } from 'node:fs';
import { classifyInsertFailure, isDiskFull } from './insert-failure.js';
import { quoteIdentifier } from './InsertSink.js';

/** What the guard needs of the store (`ClickHouseStore`). */
export interface GuardedStore {
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
}

/** Where the guard tells what it does (the collector's logger). */
export interface GuardLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of a {@link DiskFullGuard}. */
export interface DiskFullGuardOptions {
  store: GuardedStore;
  /** The embedded store's data directory, whose free space is watched. */
  dataDir: string;
  /** Repairs a table found with a damaged part (through its batcher when it has one, which holds its inserts back). */
  repair: (table: string) => Promise<void>;
  log: GuardLog;
  /** Free and total bytes of the data directory's filesystem; `statfs` by default (tests give their own). */
  space?: () => { free: number; total: number };
  /** How often the free space is read while the disk is full, in ms. @default 1000 */
  pollMs?: number;
  /** How often the free space is read otherwise (see {@link DiskFullGuard.watch}), in ms. @default 5000 */
  watchMs?: number;
}

/** The disk counts as free again from this many free bytes, or 1% of its size when more (but never more than {@link ENOUGH_FREE_BYTES}). */
export const MIN_FREE_BYTES = 16 * 1024 * 1024;
/** Free bytes that always count as room again, however large the disk. */
export const ENOUGH_FREE_BYTES = 1024 * 1024 * 1024;

/** Parts written this long before the disk was found full are checked too, in seconds (below the 480 s the store keeps replaced parts). */
export const CHECKED_BEFORE_SECONDS = 300;

/**
 * Keeps a full disk from costing stored rows (embedded store). A merge that runs into a full disk
 * can leave a merged part with empty files that the engine takes for a whole part: reads of it
 * fail, and when the store is opened again the part is set aside with its rows, the parts it was
 * merged from being gone by then (the disk-full chaos scenario lost 103 acknowledged requests
 * that way). When an insert fails because the disk is full, or the free space it reads every
 * few seconds ({@link watch}) falls below {@link MIN_FREE_BYTES}, the guard:
 * 1. stops the engine's merges (`SYSTEM STOP MERGES`, again after each poll: a table attached
 *    again by a repair merges otherwise), so that no merge meets the full disk;
 * 2. checks every part written since {@link CHECKED_BEFORE_SECONDS} before (`CHECK TABLE ... PART`)
 *    and repairs each table with a damaged one (`repair`: the part is detached, the parts it was
 *    merged from, kept by `ClickHouseStore.keepReplacedParts`, come back);
 * 3. waits until the disk has room again (1% of it, at least {@link MIN_FREE_BYTES}, at most
 *    {@link ENOUGH_FREE_BYTES}), checks the parts written
 *    meanwhile the same way, and starts the merges again.
 * Never throws: what fails is logged, and the next full disk starts it over.
 */
export class DiskFullGuard {
  readonly #opts: Required<Omit<DiskFullGuardOptions, 'space'>> & { space: () => { free: number; total: number } };
  #episode: Promise<void> | undefined;
  #closed = false;
  #wake: (() => void) | undefined;
  #watch: NodeJS.Timeout | undefined;
  /** Repairs done by the guard, for tests and the log. */
  readonly repaired: string[] = [];

  constructor(options: DiskFullGuardOptions) {
    this.#opts = {
      pollMs: 1000,
      watchMs: 5000,
      space: () => {
        const s = statfsSync(options.dataDir);
        return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
      },
      ...options,
    };
  }

  /** Told each failed insert: a full disk starts the guard's work (once at a time). */
  noteFailure(err: unknown): void {
    if (isDiskFull(err)) this.#begin();
  }

  /**
   * Reads the free space every `watchMs` too, and starts the guard's work when less than
   * {@link MIN_FREE_BYTES} is left: merges run without inserts (no traffic), and one that meets
   * the full disk must not wait for an insert to be noticed.
   */
  watch(): void {
    if (this.#watch !== undefined) return;
    this.#watch = setInterval(() => {
      if (this.#episode !== undefined) return;
      try {
        if (this.#opts.space().free < MIN_FREE_BYTES) this.#begin();
      } catch {
        // The data directory cannot be read: the inserts will say what is wrong.
      }
    }, this.#opts.watchMs);
    this.#watch.unref();
  }

  #begin(): void {
    if (this.#closed || this.#episode !== undefined) return;
    this.#episode = this.#run().finally(() => (this.#episode = undefined));
  }

  /** Resolves when the guard is idle (no full disk being handled). */
  async idle(): Promise<void> {
    while (this.#episode) await this.#episode;
  }

  /** Stops waiting for room; merges are started again if the guard had stopped them. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#watch);
    this.#wake?.();
    await this.idle();
  }

  async #run(): Promise<void> {
    const { store, log } = this.#opts;
    const since = Math.floor(Date.now() / 1000) - CHECKED_BEFORE_SECONDS;
    log.warn({ dataDir: this.#opts.dataDir }, 'the disk is full (or nearly): merges stopped until it has room again; recent parts are checked for damage');
    let stopped = false;
    try {
      await store.command('SYSTEM STOP MERGES');
      stopped = true;
      await this.#checkAndRepair(since);
      while (!this.#closed && !this.#hasRoom()) {
        await this.#sleep();
        // A table attached again by a repair (the guard's or an insert's) has its merges running: stop them again.
        await store.command('SYSTEM STOP MERGES');
      }
      if (!this.#closed) await this.#checkAndRepair(since);
    } catch (err) {
      log.error({ err }, 'handling the full disk failed; it starts over at the next insert that finds the disk full');
    } finally {
      if (stopped) {
        await store.command('SYSTEM START MERGES').catch((err: unknown) => log.error({ err }, 'starting merges again failed'));
        log.info({}, 'the disk has room again: merges started');
      }
    }
  }

  #hasRoom(): boolean {
    try {
      const { free, total } = this.#opts.space();
      return free >= Math.max(MIN_FREE_BYTES, Math.min(total / 100, ENOUGH_FREE_BYTES));
    } catch {
      return false;
    }
  }

  #sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#opts.pollMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Checks the active parts written since `since` (Unix seconds) and repairs each table with a damaged one. */
  async #checkAndRepair(since: number): Promise<void> {
    const { store, log } = this.#opts;
    const parts = await store.query<{ table: string; name: string }>(
      `SELECT table, name FROM system.parts WHERE database = currentDatabase() AND active AND modification_time >= toDateTime({since:UInt32}) ORDER BY table, name`,
      { since },
    );
    const damaged = new Map<string, string[]>();
    for (const { table, name } of parts) {
      // Part names are the engine's own (partition, block numbers, level); CHECK takes a literal.
      if (!/^[\w-]+$/.test(name)) continue;
      let passed: boolean;
      try {
        const rows = await store.query<{ is_passed: number | string }>(`CHECK TABLE ${quoteIdentifier(table)} PART '${name}'`);
        passed = rows.every((r) => Number(r.is_passed) === 1);
      } catch (err) {
        // Merged away since it was listed, or its table dropped: nothing to check. A read of a damaged part: damaged.
        if (classifyInsertFailure(err) !== 'damaged') continue;
        passed = false;
      }
      if (!passed) damaged.set(table, [...(damaged.get(table) ?? []), name]);
    }
    for (const [table, names] of damaged) {
      log.warn({ table, parts: names }, 'damaged parts found after the disk was full: repairing the table');
      try {
        await this.#opts.repair(table);
        this.repaired.push(table);
      } catch (err) {
        log.error({ err, table }, 'repairing a table with a damaged part failed');
      }
    }
  }
}
