import { SaturatedError } from '../errors.js';
import type { ClickHouseStore } from './ClickHouseStore.js';
import type { TableCodec } from './tables.js';

/** Thresholds of an {@link InsertBatcher}. */
export interface BatchOptions {
  /** A batch is sent once it holds this many rows. @default 50000 */
  maxRows: number;
  /** A batch is sent once its serialised rows reach this many bytes (UTF-16 units for JSON). @default 32 MiB */
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

interface Batch {
  /** Serialised rows, one chunk per `add()`, in the store's {@link ClickHouseStore.rowFormat}. */
  chunks: Array<Buffer | string>;
  rows: number;
  bytes: number;
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

/** Counters of one batcher, for /metrics and tests. */
export interface BatcherStats {
  insertedRows: number;
  inserts: number;
  failedInserts: number;
  pendingRows: number;
}

/** Told the outcome of each insert: its table, and the error when it failed (e.g. readiness). Must not throw. */
export type InsertListener = (table: string, err?: unknown) => void;

/**
 * Collects rows for one table from concurrent requests into few large inserts.
 * `add()` serialises its rows at once (in the format the store takes), and resolves
 * only once the batch holding them is stored, so a caller can acknowledge its client
 * knowing the data is durable; it rejects when that insert fails (nothing of the
 * batch was acknowledged).
 */
export class InsertBatcher<R> {
  readonly table: string;
  readonly #codec: TableCodec<R>;
  /** Bytes per row of the last chunk, to size the next one's buffer. */
  #bytesPerRow = 256;
  readonly #store: ClickHouseStore;
  readonly #opts: BatchOptions;
  #current: Batch | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #queue: Batch[] = [];
  readonly #running = new Set<Promise<void>>();
  #pendingRows = 0;
  #closed = false;
  readonly #stats = { insertedRows: 0, inserts: 0, failedInserts: 0 };
  readonly #onInsert: InsertListener | undefined;

  constructor(store: ClickHouseStore, codec: TableCodec<R>, options: Partial<BatchOptions> = {}, onInsert?: InsertListener) {
    this.#store = store;
    this.#onInsert = onInsert;
    this.#codec = codec;
    this.table = store.tableOf(codec);
    this.#opts = { ...DEFAULT_BATCH_OPTIONS, ...options };
  }

  /**
   * Adds rows to the current batch.
   * @returns a promise settled when the insert holding them has stored them (or failed)
   * @throws SaturatedError (as a rejection) when too many rows are already waiting; nothing is added then.
   */
  add(added: readonly R[]): Promise<void> {
    const rows = added.length;
    const refused = this.#refusal(rows);
    if (refused) return refused;
    const payload = this.#store.encode(this.#codec, added, this.#bytesPerRow);
    this.#bytesPerRow = Math.ceil(payload.length / rows) + 16;
    return this.#enqueue(payload, rows);
  }

  /** True when the store takes RowBinary, so rows already in it can be handed over with {@link addRowBinary}. */
  get takesRowBinary(): boolean {
    return this.#store.rowFormat === 'RowBinary';
  }

  /**
   * Adds `rows` rows already serialised in RowBinary, in the column order of the codec's
   * `binary.columns` (e.g. decoded straight from a request); as {@link add} otherwise.
   * @throws Error when the store does not take RowBinary ({@link takesRowBinary}).
   */
  addRowBinary(payload: Buffer, rows: number): Promise<void> {
    if (!this.takesRowBinary) throw new Error(`${this.table}: the store takes ${this.#store.rowFormat}, not RowBinary`);
    return this.#refusal(rows) ?? this.#enqueue(payload, rows);
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

  #enqueue(payload: Buffer | string, rows: number): Promise<void> {
    this.#pendingRows += rows;
    const batch = (this.#current ??= { chunks: [], rows: 0, bytes: 0, waiters: [] });
    batch.chunks.push(payload);
    batch.rows += rows;
    batch.bytes += payload.length;
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
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
    while (this.#running.size > 0 || this.#queue.length > 0) {
      await Promise.allSettled([...this.#running]);
    }
  }

  /** Refuses new rows, then flushes. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /** Current counters. */
  stats(): BatcherStats {
    return { ...this.#stats, pendingRows: this.#pendingRows };
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
    // (up to the size limits): each insert costs the engine a fixed part of its time, so
    // under load fewer, larger inserts store more rows per second.
    const waiting = this.#queue[this.#queue.length - 1];
    if (waiting && waiting.rows + batch.rows <= this.#opts.maxRows && waiting.bytes + batch.bytes <= this.#opts.maxBytes) {
      waiting.chunks.push(...batch.chunks);
      waiting.rows += batch.rows;
      waiting.bytes += batch.bytes;
      waiting.waiters.push(...batch.waiters);
    } else {
      this.#queue.push(batch);
    }
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < this.#opts.maxConcurrentInserts && this.#queue.length > 0) {
      const batch = this.#queue.shift()!;
      const run: Promise<void> = this.#insert(batch).finally(() => {
        this.#running.delete(run);
        this.#pump();
      });
      this.#running.add(run);
    }
  }

  async #insert(batch: Batch): Promise<void> {
    try {
      await this.#store.insertEncoded(this.#codec, batch.chunks);
      this.#stats.inserts++;
      this.#stats.insertedRows += batch.rows;
      for (const w of batch.waiters) w.resolve();
      this.#onInsert?.(this.table);
    } catch (err) {
      this.#stats.failedInserts++;
      for (const w of batch.waiters) w.reject(err);
      this.#onInsert?.(this.table, err);
    } finally {
      this.#pendingRows -= batch.rows;
    }
  }
}
