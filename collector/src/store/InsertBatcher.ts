import { SaturatedError } from '../errors.js';
import { classifyInsertFailure, insertFailureError } from './insert-failure.js';
import type { InsertOptions, InsertTarget } from './InsertTarget.js';
import { PartitionDays } from './PartitionDays.js';
import { encodeRows, type RowCodec } from './schema/TableDefinition.js';

/** Thresholds of an {@link InsertBatcher}. */
export interface BatchOptions {
  /** A batch is sent once it holds this many rows. @default 50000 */
  maxRows: number;
  /** A batch is sent once its serialised rows reach this many bytes. @default 32 MiB */
  maxBytes: number;
  /** A batch is sent at the latest this long after its first rows arrived. @default 20 */
  maxDelayMs: number;
  /** Inserts running at once for this table. @default 2 */
  maxConcurrentInserts: number;
  /** Rows waiting (batched, queued or being inserted) above which new rows are refused with 503. @default 500000 */
  maxPendingRows: number;
}

/** Defaults for {@link BatchOptions}. */
export const DEFAULT_BATCH_OPTIONS: BatchOptions = {
  maxRows: 50_000,
  maxBytes: 32 * 1024 * 1024,
  maxDelayMs: 20,
  maxConcurrentInserts: 2,
  maxPendingRows: 500_000,
};

/** What a caller says of the rows it adds (one request's). */
export interface AddOptions {
  /**
   * The key of the request the rows came in (`ingest/request-key.ts`; '' or absent: none). For a
   * table with an identity, `add` writes it into each row's request column, and for one whose
   * rows are numbered (`RowIdentity.row`) each row's index among the rows added (the rows are
   * changed): one `add` per request and table, so a retry's rows get the same numbers; a producer
   * of RowBinary (`addRowBinary`) has written both into each row.
   */
  key?: string;
  /** When the caller's answer is due (`performance.now()` ms): rows still queued then are refused (see `limits.maxQueueWaitMs`). */
  deadline?: number;
}

/** The rows of one `add()` (one request, one table), and the caller waiting for them. */
interface Chunk {
  /** The rows in RowBinary. */
  payload: Uint8Array;
  rows: number;
  /** UTC days of the rows' partitions; undefined for a table without day partitions. */
  days: Iterable<number> | undefined;
  /** The key of the request the rows came in (see `RowIdentity.request`); '' when none. */
  key: string;
  /** When its caller's answer is due (`performance.now()` ms): still queued then, it is refused. */
  deadline: number | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Batch {
  chunks: Chunk[];
  rows: number;
  bytes: number;
  /** Union of the chunks' days. */
  days: Set<number>;
  /** Settings of this insert: set for a chunk that spans more days than a shared insert may, inserted on its own. */
  options: InsertOptions | undefined;
}

/** Counters of one batcher, for /metrics and tests. */
export interface BatcherStats {
  insertedRows: number;
  inserts: number;
  failedInserts: number;
  pendingRows: number;
  /** Bytes of the pending rows' RowBinary, held in memory until their insert ends. */
  pendingBytes: number;
}

/**
 * Told the outcome of each insert: its table, the error when it failed (e.g. readiness), and how
 * long it took in seconds (metrics). Must not throw.
 */
export type InsertListener = (table: string, err: unknown, seconds: number) => void;

/**
 * Told the outcome of a repair of the table (see `InsertTarget.repairTable`): the error when it
 * failed, undefined when it was repaired; and how long it took in seconds. Must not throw.
 */
export type RepairListener = (table: string, err: unknown, seconds: number) => void;

/** What a batcher tells of its work. */
export interface BatcherListeners {
  onInsert?: InsertListener;
  onRepair?: RepairListener;
}

/**
 * Collects rows for one table from concurrent requests into few large inserts.
 * `add()` serialises its rows at once (RowBinary, by the table's codec), and resolves
 * only once the batch holding them is stored, so a caller can acknowledge its client
 * knowing the data is durable; it rejects when that insert fails (nothing of the
 * caller's rows was stored).
 *
 * One request's rows cannot fail another's:
 * - Partitions. ClickHouse refuses an insert that touches more partitions than
 *   `max_partitions_per_insert_block` (100 by default). A batch of a day-partitioned table
 *   holds chunks whose UTC days number at most half of that limit (the engine's `toDate` runs
 *   in its own time zone, where a UTC day meets at most two days): a chunk that would take it
 *   over starts the next batch. A chunk with more days than that alone is inserted on its own,
 *   with the limit raised for that insert only.
 * - Content. When an insert of several chunks fails and the failure is not the store's
 *   capacity or availability (see `classifyInsertFailure`), the chunks are inserted again in
 *   halves, down to single chunks: the others are stored, and the chunk at fault is refused
 *   with a 400 (`RowsRefusedError`; 500, `StoreInsertError`, for an error known neither as
 *   content nor as capacity). An insert that fails on content stores nothing: the engine
 *   parses the rows and splits them into partitions before it writes a part (a batch stays
 *   below its insert block size), so no chunk is stored twice.
 * - Capacity. A store that is unavailable or over capacity fails the whole batch with a 503
 *   and Retry-After (`StoreError`): retried later, the same rows go in.
 *
 * A table with an identity (`predictions`, `otel_traces`, `otel_logs`, `otel_metrics_*`), in a store whose inserts check for
 * duplicates (`InsertTarget.deduplicates`, the embedded store): an insert's duplicate check sees
 * the rows stored before it, not those of an insert running beside it, so a batch holding a
 * request key (`add`'s `key`) that an insert in progress holds too waits until that insert is
 * over (the batches behind it wait too: they keep their order). A client's retry sent while its
 * first attempt is still being inserted (a client times out exactly then) is then not stored
 * twice, and batches of different requests still take `maxConcurrentInserts` slots.
 *
 * A damaged part (an insert fails with `classifyInsertFailure` `damaged`): the batch is refused
 * with a 503, no new insert of the table starts, and once those in progress are over the store
 * repairs the table (`InsertTarget.repairTable`); then inserts go on. A table that is damaged
 * again before any insert stored rows after its last repair, within {@link REPAIR_RETRY_MS},
 * is not repaired again: its inserts are refused with a 500 (the damage outlived a repair).
 */
export class InsertBatcher<R> {
  readonly table: string;
  readonly #codec: RowCodec<R>;
  /** Bytes per row of the last chunk, to size the next one's buffer. */
  #bytesPerRow = 256;
  readonly #store: InsertTarget;
  readonly #opts: BatchOptions;
  /** Inserts running at once: `maxConcurrentInserts`. */
  readonly #slots: number;
  /** For a table with an identity in a store that deduplicates: the request keys of the inserts in progress, with their number of chunks. */
  readonly #keysInFlight: Map<string, number> | undefined;
  /** Most UTC days one shared insert may hold (see the class's documentation); Infinity when the engine has no limit. */
  readonly #dayBudget: number;
  #current: Batch | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #queue: Batch[] = [];
  readonly #running = new Set<Promise<void>>();
  #pendingRows = 0;
  #pendingBytes = 0;
  #closed = false;
  readonly #stats = { insertedRows: 0, inserts: 0, failedInserts: 0 };
  readonly #onInsert: InsertListener | undefined;
  readonly #onRepair: RepairListener | undefined;
  /** A repair of the table: wanted (waiting for the inserts in progress to end), or running; undefined when none. */
  #repair: 'wanted' | Promise<void> | undefined;
  /** When the last repair ended (`performance.now()` ms), and whether an insert stored rows since. */
  #repairedAt = -Infinity;
  #storedSinceRepair = true;
  /** Whether the last repair failed: the table may be left detached, and any failure of an insert (but the rows' content) then asks for another. */
  #repairFailed = false;
  /** Callers of {@link repair} waiting for the repair wanted or running. */
  #repairWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  /** Milliseconds an insert takes per row, weighted toward recent inserts of at least {@link TIMED_INSERT_ROWS} rows; undefined before the first. */
  #msPerRow: number | undefined;
  /** Checks the queued chunks' deadlines while some wait. */
  #sweep: NodeJS.Timeout | undefined;

  constructor(store: InsertTarget, codec: RowCodec<R>, options: Partial<BatchOptions> = {}, listeners: BatcherListeners = {}) {
    this.#store = store;
    this.#onInsert = listeners.onInsert;
    this.#onRepair = listeners.onRepair;
    this.#codec = codec;
    this.table = codec.table;
    this.#opts = { ...DEFAULT_BATCH_OPTIONS, ...options };
    this.#slots = this.#opts.maxConcurrentInserts;
    // Two inserts running at once need not see each other's rows: see the class's documentation.
    this.#keysInFlight = codec.identity && store.deduplicates === true ? new Map() : undefined;
    const limit = store.maxPartitionsPerInsert;
    this.#dayBudget = limit === 0 ? Infinity : Math.floor(limit / 2);
  }

  /**
   * Adds rows to the current batch.
   * @param options the request's key and the deadline of its answer (see {@link AddOptions})
   * @returns a promise settled when the insert holding them has stored them (or failed)
   * @throws SaturatedError (as a rejection) when too many rows are already waiting; nothing is added then.
   */
  add(added: readonly R[], options: AddOptions = {}): Promise<void> {
    const rows = added.length;
    const refused = this.#refusal(rows);
    if (refused) return refused;
    const request = this.#codec.identity?.request;
    const key = options.key ?? '';
    if (request !== undefined && key !== '') for (const row of added) (row as Record<string, unknown>)[request] = key;
    // Rows without an id of their own are named by their place among the request's rows.
    const numbered = this.#codec.identity?.row;
    if (numbered !== undefined) for (let i = 0; i < rows; i++) (added[i] as Record<string, unknown>)[numbered] = i;
    const payload = encodeRows(this.#codec, added, this.#bytesPerRow);
    this.#bytesPerRow = Math.ceil(payload.length / rows) + 16;
    let days: PartitionDays | undefined;
    const dayOf = this.#codec.partitionDay;
    if (dayOf) {
      days = new PartitionDays();
      for (let i = 0; i < rows; i++) days.add(dayOf(added[i]!));
    }
    return this.#enqueue(payload, rows, days, key, options.deadline);
  }

  /**
   * Adds `rows` rows already serialised in RowBinary, in the codec's column order (e.g. written
   * straight from a request by a transcoder); as {@link add} otherwise.
   * @param days the UTC days of the rows' partitions, required for a table partitioned by day
   *   (one whose codec has `partitionDay`), which the producer collects as it writes the rows
   * @param options as for {@link add}; the producer wrote the key into each row of a table with an identity
   * @throws Error when `days` is missing for a table partitioned by day.
   */
  addRowBinary(payload: Uint8Array, rows: number, days?: PartitionDays, options: AddOptions = {}): Promise<void> {
    if (this.#codec.partitionDay && days === undefined && rows > 0) throw new Error(`${this.table}: rows partitioned by day need their days`);
    return this.#refusal(rows) ?? this.#enqueue(payload, rows, days, options.key ?? '', options.deadline);
  }

  /** The rejection `add` answers with instead of adding `rows` rows, if any. */
  #refusal(rows: number): Promise<void> | undefined {
    if (rows === 0) return Promise.resolve();
    if (this.#closed) return Promise.reject(new SaturatedError(`the collector is shutting down; retry against another instance`, 5));
    if (this.#pendingRows + rows > this.#opts.maxPendingRows) {
      return Promise.reject(
        new SaturatedError(
          `${this.table}: ${this.#pendingRows} rows are waiting for storage (limit ${this.#opts.maxPendingRows}); retry after the delay in Retry-After`,
        ),
      );
    }
    return undefined;
  }

  #enqueue(payload: Uint8Array, rows: number, days: PartitionDays | undefined, key: string, deadline: number | undefined): Promise<void> {
    this.#pendingRows += rows;
    this.#pendingBytes += payload.length;
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Rows are held to their deadline only when they can meet it at the rate inserts went: rows
    // already too late when they arrive (or before any insert was timed) are stored without one,
    // since refusing them would throw away the work of reading and decoding them; the longer waits
    // that follow come from admission's estimate being too low, which corrects itself.
    const due =
      deadline !== undefined && this.#msPerRow !== undefined && performance.now() + this.#expectedInsertMs(this.#pendingRows) < deadline ? deadline : undefined;
    const chunk: Chunk = { payload, rows, days, key, deadline: due, resolve, reject };
    const dayCount = days?.size ?? 0;
    if (dayCount > this.#dayBudget) {
      // More days than any shared insert may hold: on its own, with the engine's limit raised
      // to what these rows need (two partitions per UTC day at most) for this insert only.
      const options = { maxPartitionsPerInsert: Math.max(this.#store.maxPartitionsPerInsert, 2 * dayCount) };
      this.#queue.push({ chunks: [chunk], rows, bytes: payload.length, days: new Set(days), options });
      this.#pump();
      return done;
    }
    if (this.#current && dayCount > 0 && unionSize(this.#current.days, chunk.days!) > this.#dayBudget) this.#seal();
    const batch = (this.#current ??= { chunks: [], rows: 0, bytes: 0, days: new Set(), options: undefined });
    batch.chunks.push(chunk);
    batch.rows += rows;
    batch.bytes += payload.length;
    if (days) for (const day of days) batch.days.add(day);
    if (batch.rows >= this.#opts.maxRows || batch.bytes >= this.#opts.maxBytes) {
      this.#seal();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#seal(), this.#opts.maxDelayMs);
    }
    return done;
  }

  /** Sends what is batched now and waits for every insert in progress. */
  async flush(): Promise<void> {
    this.#seal();
    // A repair holds the queued batches back (and is wanted only while an insert runs).
    while (this.#running.size > 0 || this.#queue.length > 0 || this.#repair !== undefined) {
      await Promise.allSettled(this.#repair instanceof Promise ? [...this.#running, this.#repair] : [...this.#running]);
    }
  }

  /** Refuses new rows, then flushes. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /**
   * Repairs the table now (a damaged part found by a check rather than by an insert): holds new
   * inserts back, waits for those in progress, and has the store repair it (see the class's
   * documentation). Resolves once repaired (at once for a store that does not repair); rejects
   * with the repair's error.
   */
  repair(): Promise<void> {
    if (this.#store.repairTable === undefined) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#repairWaiters.push({ resolve, reject }));
    this.#repair ??= 'wanted';
    this.#pump();
    return done;
  }

  /** Current counters. */
  stats(): BatcherStats {
    return { ...this.#stats, pendingRows: this.#pendingRows, pendingBytes: this.#pendingBytes };
  }

  #seal(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#current;
    if (!batch) return;
    this.#current = undefined;
    // While every insert slot is busy, a batch waiting in the queue takes in the newer rows
    // (up to the size limits, and to the days a shared insert may hold): each insert costs the
    // engine a fixed part of its time, so under load fewer, larger inserts store more rows per second.
    const waiting = this.#queue[this.#queue.length - 1];
    if (
      waiting &&
      waiting.options === undefined &&
      waiting.rows + batch.rows <= this.#opts.maxRows &&
      waiting.bytes + batch.bytes <= this.#opts.maxBytes &&
      (batch.days.size === 0 || unionSize(waiting.days, batch.days) <= this.#dayBudget)
    ) {
      waiting.chunks.push(...batch.chunks);
      waiting.rows += batch.rows;
      waiting.bytes += batch.bytes;
      for (const day of batch.days) waiting.days.add(day);
    } else {
      this.#queue.push(batch);
    }
    this.#pump();
  }

  /** How long an insert of `rows` rows is expected to take, in ms (0 before one was timed). */
  #expectedInsertMs(rows: number): number {
    return rows * (this.#msPerRow ?? 0);
  }

  /**
   * Refuses the chunks of `batch` whose answer would come after their deadline if their insert
   * started now (nothing of them is stored); true when some remain.
   */
  #dropLate(batch: Batch, now: number): boolean {
    const end = now + this.#expectedInsertMs(batch.rows);
    if (!batch.chunks.some((c) => c.deadline !== undefined && c.deadline < end)) return batch.chunks.length > 0;
    const keep: Chunk[] = [];
    for (const c of batch.chunks) {
      if (c.deadline === undefined || c.deadline >= end) {
        keep.push(c);
        continue;
      }
      batch.rows -= c.rows;
      batch.bytes -= c.payload.length;
      this.#pendingRows -= c.rows;
      this.#pendingBytes -= c.payload.length;
      const aheadSeconds = Math.ceil(this.#expectedInsertMs(this.#pendingRows) / 1000);
      c.reject(
        new SaturatedError(
          `${this.table}: these ${c.rows} rows would not be stored before their answer is due (limits.maxQueueWaitMs): inserts are slower than expected; nothing of them was stored; retry after the delay in Retry-After`,
          Math.min(30, Math.max(1, aheadSeconds)),
        ),
      );
    }
    batch.chunks = keep;
    // The days of the chunks that remain (a shared batch's limit counts them).
    if (batch.days.size > 0) {
      batch.days = new Set();
      for (const c of keep) if (c.days) for (const d of c.days) batch.days.add(d);
    }
    return keep.length > 0;
  }

  /**
   * Whether a failed insert that found a damaged part is answered as one being repaired: a
   * repair is then wanted (or already is). False when the store does not repair, or when the
   * last repair succeeded less than {@link REPAIR_RETRY_MS} ago and no insert stored rows since.
   */
  #wantRepair(): boolean {
    if (this.#store.repairTable === undefined) return false;
    if (this.#repair !== undefined) return true;
    if (!this.#repairFailed && !this.#storedSinceRepair && performance.now() - this.#repairedAt < REPAIR_RETRY_MS) return false;
    this.#repair = 'wanted';
    return true;
  }

  /** Repairs the table (no insert of it runs), then lets the queued batches go. */
  #startRepair(): void {
    const started = performance.now();
    const done = (err: unknown) => {
      this.#repair = undefined;
      this.#repairFailed = err !== undefined;
      this.#repairedAt = performance.now();
      this.#storedSinceRepair = false;
      this.#onRepair?.(this.table, err, (this.#repairedAt - started) / 1000);
      const waiters = this.#repairWaiters;
      this.#repairWaiters = [];
      for (const w of waiters) {
        if (err === undefined) w.resolve();
        else w.reject(err);
      }
      this.#pump();
    };
    this.#repair = this.#store.repairTable!(this.table).then(
      () => done(undefined),
      (err: unknown) => done(err),
    );
  }

  /** Drops late chunks from the queued batches (see {@link #dropLate}), every {@link SWEEP_MS} while some have a deadline. */
  #armSweep(): void {
    if (this.#sweep !== undefined) return;
    if (!this.#queue.some((b) => b.chunks.some((c) => c.deadline !== undefined))) return;
    this.#sweep = setInterval(() => {
      const now = performance.now();
      for (let i = this.#queue.length - 1; i >= 0; i--) if (!this.#dropLate(this.#queue[i]!, now)) this.#queue.splice(i, 1);
      if (!this.#queue.some((b) => b.chunks.some((c) => c.deadline !== undefined))) {
        clearInterval(this.#sweep);
        this.#sweep = undefined;
      }
    }, SWEEP_MS);
    this.#sweep.unref();
  }

  #pump(): void {
    if (this.#repair === 'wanted' && this.#running.size === 0) this.#startRepair();
    while (this.#repair === undefined && this.#running.size < this.#slots && this.#queue.length > 0) {
      const batch = this.#queue[0]!;
      if (!this.#dropLate(batch, performance.now())) {
        this.#queue.shift();
        continue;
      }
      const keys = this.#keysInFlight;
      if (keys && this.#running.size > 0 && batch.chunks.some((c) => c.key !== '' && keys.has(c.key))) return;
      this.#queue.shift();
      if (keys) for (const c of batch.chunks) if (c.key !== '') keys.set(c.key, (keys.get(c.key) ?? 0) + 1);
      const options = keys ? { ...batch.options, identity: identityOf(batch) } : batch.options;
      const run: Promise<void> = this.#insertChunks(batch.chunks, options).finally(() => {
        if (keys) for (const c of batch.chunks) if (c.key !== '') release(keys, c.key);
        this.#running.delete(run);
        this.#pump();
      });
      this.#running.add(run);
    }
    if (this.#queue.length > 0) this.#armSweep();
  }

  /**
   * Inserts `chunks` in one insert and settles each chunk's caller (its rows no longer count
   * as pending from then on). When the insert fails for anything but the store's capacity or
   * availability, a single chunk is refused alone, and several are inserted again in halves
   * (one after the other, in the same insert slot), so that only the chunk at fault is
   * refused: one bad chunk among n costs 2 log2(n) more inserts.
   */
  async #insertChunks(chunks: Chunk[], options: InsertOptions | undefined): Promise<void> {
    const started = performance.now();
    try {
      await this.#store.insertRowBinary(this.#codec, chunks.map((c) => c.payload), options);
    } catch (err) {
      this.#stats.failedInserts++;
      this.#onInsert?.(this.table, err, (performance.now() - started) / 1000);
      let kind = classifyInsertFailure(err);
      if (this.#repairFailed && kind === 'unknown') kind = 'damaged';
      if (kind === 'damaged' && !this.#wantRepair()) kind = 'unknown';
      if (kind === 'unavailable' || kind === 'damaged' || chunks.length === 1) {
        const reason = insertFailureError(this.table, kind, err);
        for (const c of chunks) {
          this.#pendingRows -= c.rows;
          this.#pendingBytes -= c.payload.length;
          c.reject(reason);
        }
        return;
      }
      const half = Math.ceil(chunks.length / 2);
      await this.#insertChunks(chunks.slice(0, half), options);
      await this.#insertChunks(chunks.slice(half), options);
      return;
    }
    this.#stats.inserts++;
    this.#storedSinceRepair = true;
    const rows = chunks.reduce((n, c) => n + c.rows, 0);
    if (rows >= TIMED_INSERT_ROWS) {
      const msPerRow = (performance.now() - started) / rows;
      this.#msPerRow = this.#msPerRow === undefined ? msPerRow : 0.7 * this.#msPerRow + 0.3 * msPerRow;
    }
    for (const c of chunks) {
      this.#stats.insertedRows += c.rows;
      this.#pendingRows -= c.rows;
      this.#pendingBytes -= c.payload.length;
      c.resolve();
    }
    this.#onInsert?.(this.table, undefined, (performance.now() - started) / 1000);
  }
}

/** The request keys and days of a batch's rows, for the duplicate check. */
function identityOf(batch: Batch): { requestKeys: string[]; days: number[] } {
  const keys = new Set<string>();
  for (const c of batch.chunks) if (c.key !== '') keys.add(c.key);
  return { requestKeys: [...keys], days: [...batch.days] };
}

/** Takes one chunk of `key` off the keys in flight. */
function release(keys: Map<string, number>, key: string): void {
  const n = keys.get(key)! - 1;
  if (n === 0) keys.delete(key);
  else keys.set(key, n);
}

/** Inserts of at least this many rows time the rate of the next ones (smaller ones are dominated by the engine's fixed cost per insert). */
const TIMED_INSERT_ROWS = 1000;

/** A table damaged again this soon after a repair, with no insert stored in between, is not repaired again (ms). */
const REPAIR_RETRY_MS = 60_000;

/** How often queued chunks with a deadline are checked, in ms. */
const SWEEP_MS = 100;

/** How many distinct days `batch` and `added` hold together. */
function unionSize(batch: ReadonlySet<number>, added: Iterable<number>): number {
  let size = batch.size;
  for (const day of added) if (!batch.has(day)) size++;
  return size;
}
