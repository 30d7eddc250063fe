import { ClickHouseFailure, RowsRefusedError, StoreError, StoreInsertError } from '../errors.js';

/**
 * What a failed insert says about the rows and the store:
 * - `unavailable`: the store cannot take inserts now (capacity, memory, disk, network,
 *   timeouts, replication); the same rows will go in later: 503 with Retry-After.
 * - `content`: the engine refused what the rows hold (they do not parse as their types, a
 *   value is out of range, too many partitions); the same rows will fail again: 400.
 * - `damaged`: the engine found a damaged part of the table (a file of it empty, missing or
 *   failing its checksum: a merge that ran out of disk can leave one). Not the rows' fault; a
 *   store that repairs the table (`InsertTarget.repairTable`) makes the retry work: 503 while it
 *   does, else 500.
 * - `unknown`: anything else (a missing table, a syntax error, an engine bug). Nothing says
 *   that a retry would succeed, nor that the rows are at fault: 500.
 *
 * The choice is made on ClickHouse's error type name (kept by {@link ClickHouseFailure}),
 * else its numeric code, else Node.js's error code for failures that never reached the engine.
 */
export type InsertFailureKind = 'unavailable' | 'content' | 'damaged' | 'unknown';

// Capacity and availability: the engine says "not now". TOO_MANY_PARTS (merges behind) and
// MEMORY_LIMIT_EXCEEDED clear once the engine catches up; QUOTA_EXCEEDED once the quota's
// interval ends; the replication and network ones once the cluster is whole again.
const UNAVAILABLE = new Map<string, number>([
  ['TIMEOUT_EXCEEDED', 159],
  ['TOO_SLOW', 160],
  ['CANNOT_ALLOCATE_MEMORY', 173],
  ['QUOTA_EXCEEDED', 201],
  ['TOO_MANY_SIMULTANEOUS_QUERIES', 202],
  ['NO_FREE_CONNECTION', 203],
  ['SOCKET_TIMEOUT', 209],
  ['NETWORK_ERROR', 210],
  ['ABORTED', 236],
  ['MEMORY_LIMIT_EXCEEDED', 241],
  ['TABLE_IS_READ_ONLY', 242],
  ['NOT_ENOUGH_SPACE', 243],
  ['TOO_MANY_PARTS', 252],
  ['ALL_CONNECTION_TRIES_FAILED', 279],
  ['TOO_FEW_LIVE_REPLICAS', 285],
  ['UNKNOWN_STATUS_OF_INSERT', 319],
  ['QUERY_WAS_CANCELLED', 394],
  ['CANNOT_SCHEDULE_TASK', 439],
  ['DISTRIBUTED_TOO_MANY_PENDING_BYTES', 574],
  ['SERVER_OVERLOADED', 745],
  ['KEEPER_EXCEPTION', 999],
]);

// The rows' content: parsing, types, ranges, constraints, partitions. Our own payloads are
// well-formed by construction, so in practice these mean a value the validation let through
// and the engine does not take; the same bytes fail every time.
const CONTENT = new Map<string, number>([
  ['UNEXPECTED_END_OF_FILE', 3],
  ['CANNOT_PARSE_TEXT', 6],
  ['INCORRECT_NUMBER_OF_COLUMNS', 7],
  ['CANNOT_PARSE_ESCAPE_SEQUENCE', 25],
  ['CANNOT_PARSE_QUOTED_STRING', 26],
  ['CANNOT_PARSE_INPUT_ASSERTION_FAILED', 27],
  ['ATTEMPT_TO_READ_AFTER_EOF', 32],
  ['CANNOT_READ_ALL_DATA', 33],
  ['CANNOT_PARSE_DATE', 38],
  ['CANNOT_PARSE_DATETIME', 41],
  ['TYPE_MISMATCH', 53],
  ['ARGUMENT_OUT_OF_BOUND', 69],
  ['CANNOT_CONVERT_TYPE', 70],
  ['CANNOT_PARSE_NUMBER', 72],
  ['INCORRECT_DATA', 117],
  ['TOO_LARGE_ARRAY_SIZE', 128],
  ['TOO_LARGE_STRING_SIZE', 131],
  ['SIZES_OF_ARRAYS_DONT_MATCH', 190],
  ['VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE', 321],
  ['CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN', 349],
  ['CANNOT_PARSE_UUID', 376],
  ['DECIMAL_OVERFLOW', 407],
  ['CANNOT_PARSE_BOOL', 467],
  ['VIOLATED_CONSTRAINT', 469],
  ['TOO_MANY_PARTITIONS', 565],
  ['UNKNOWN_ELEMENT_OF_ENUM', 691],
]);

// A part of the table on disk is damaged: these come from reading its files (marks, checksums,
// compressed blocks), which an insert does when it checks for duplicates. CANNOT_READ_ALL_DATA
// is left out: parsing the rows' own bytes reports it too (a stored part's file cut short says
// so in its message: see PART_READ_MESSAGE).
const DAMAGED = new Map<string, number>([
  ['CHECKSUM_DOESNT_MATCH', 40],
  ['NO_FILE_IN_DATA_PART', 226],
  ['CORRUPTED_DATA', 246],
  ['CANNOT_DECOMPRESS', 271],
]);

const NAME_OF_CODE = new Map<string, string>([...UNAVAILABLE, ...CONTENT, ...DAMAGED].map(([name, code]) => [String(code), name]));

// Failures that never reached the engine, or lost it on the way: connections, sockets, the
// spool file's disk, descriptors and memory of this process.
const NODE_UNAVAILABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'ENOMEM', 'EBUSY', 'CHDB_CLOSED',
]);

/**
 * ClickHouse reports `max_partitions_per_insert_block` with the code of TOO_MANY_PARTS (252,
 * "Too many partitions for single INSERT block (more than 100)"), which otherwise means that
 * merges are behind: one is the rows' content, the other the engine's capacity.
 */
const TOO_MANY_PARTITIONS_MESSAGE = /too many partitions for single insert block/i;

/**
 * A failure while reading a stored part (`(while reading from part /…/20261207_1_36_7/ in table
 * …)`): whatever its code (a column file cut short says CANNOT_READ_ALL_DATA, as the rows' own
 * bytes would), the part is at fault, not the rows.
 */
const PART_READ_MESSAGE = /\(while reading from part /;

/** Classifies an insert's failure (see {@link InsertFailureKind}). Never throws. */
export function classifyInsertFailure(err: unknown): InsertFailureKind {
  const { code, name, message } = describe(err);
  if (name === 'TOO_MANY_PARTS' && TOO_MANY_PARTITIONS_MESSAGE.test(message)) return 'content';
  if (name !== undefined && CONTENT.has(name) && PART_READ_MESSAGE.test(message)) return 'damaged';
  if (name !== undefined && CONTENT.has(name)) return 'content';
  if (name !== undefined && UNAVAILABLE.has(name)) return 'unavailable';
  if (name !== undefined && DAMAGED.has(name)) return 'damaged';
  if (code !== undefined && NODE_UNAVAILABLE.has(code)) return 'unavailable';
  // No ClickHouse code at all: the HTTP client's own timeouts and dropped sockets.
  if (name === undefined && (code === undefined || !/^\d+$/.test(code)) && /timeout|timed out|socket hang up/i.test(message)) {
    return 'unavailable';
  }
  return 'unknown';
}

/**
 * True for a failure that says the disk is full: the engine's NOT_ENOUGH_SPACE, the system's
 * ENOSPC (the spool file, or the engine writing a part, whose message names the system's error).
 * Never throws.
 */
export function isDiskFull(err: unknown): boolean {
  const { code, name, message } = describe(err);
  return name === 'NOT_ENOUGH_SPACE' || code === 'ENOSPC' || /no space left on device|not enough space/i.test(message);
}

/** A failure's code (ClickHouse's or Node's), ClickHouse's type name and message, as {@link ClickHouseFailure} and the clients give them. */
function describe(err: unknown): { code: string | undefined; name: string | undefined; message: string } {
  const e = err as { message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  const failure = err instanceof ClickHouseFailure ? err : undefined;
  const code = failure?.clickhouseCode ?? codeOf(err);
  const name = failure?.clickhouseType ?? (code !== undefined ? NAME_OF_CODE.get(code) : undefined) ?? typeOf(err);
  return { code, name, message };
}

/**
 * The error an ingest request gets for its rows' failed insert: the store's own
 * {@link StoreError} (503) when it is unavailable, or damaged and being repaired (the caller
 * passes `damaged` only then), {@link RowsRefusedError} (400) when the rows are at fault,
 * {@link StoreInsertError} (500) otherwise.
 * @param table the table the rows were for, named in the message
 */
export function insertFailureError(table: string, kind: InsertFailureKind, err: unknown): ClickHouseFailure {
  const detail = engineMessage(err);
  if (kind === 'unavailable') {
    return err instanceof StoreError ? err : new StoreError(`insert into ${table} failed: ${detail}; retry after the delay in Retry-After`, err);
  }
  if (kind === 'damaged') {
    return new StoreError(
      `insert into ${table} failed: ${detail}; a part of the table is damaged on disk and the collector is repairing it (detaching the part); retry after the delay in Retry-After`,
      err,
    );
  }
  if (kind === 'content') {
    return new RowsRefusedError(
      `the store refused this request's rows for ${table}: ${detail}. Nothing of them was stored (rows of other requests were); ` +
        'do not send them again unchanged',
      err,
    );
  }
  return new StoreInsertError(`insert into ${table} failed: ${detail}; this is not a capacity problem, see the collector log`, err);
}

/** The engine's message, without our own prefix, cut to a readable length. */
function engineMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const text = message.replace(/^insert into \S+ failed: /, '');
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}

function codeOf(err: unknown): string | undefined {
  const c = err as { code?: unknown; clickhouseCode?: unknown } | undefined;
  if (c?.clickhouseCode !== undefined) return String(c.clickhouseCode);
  return c?.code !== undefined ? String(c.code) : undefined;
}

function typeOf(err: unknown): string | undefined {
  const t = (err as { type?: unknown } | undefined)?.type;
  return typeof t === 'string' ? t : undefined;
}
