/**
 * Typed errors of the collector. Every error has a stable `code` and, where it
 * maps to HTTP, a `statusCode`; messages say what was wrong, where, and what to do.
 */

/** Base class of every error the collector raises on purpose. */
export class CollectorError extends Error {
  /** Stable machine-readable code, e.g. `INGEST_BODY_TOO_LARGE`. */
  readonly code: string;
  /** HTTP status this error maps to. */
  readonly statusCode: number;
  /** Seconds a client should wait before retrying (429/503 only). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, statusCode: number, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** The request body (compressed or decompressed) is larger than the configured limit. */
export class BodyTooLargeError extends CollectorError {
  constructor(message: string) {
    super('INGEST_BODY_TOO_LARGE', 413, message);
  }
}

/** The request body cannot be decoded at all; clients must not retry it as is. */
export class BadRequestError extends CollectorError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, 400, message, options);
  }
}

/** The Content-Type is not one the endpoint accepts. */
export class UnsupportedMediaTypeError extends CollectorError {
  constructor(message: string) {
    super('INGEST_UNSUPPORTED_MEDIA_TYPE', 415, message);
  }
}

/** The collector is saturated (too many rows waiting for storage); retry after a pause. */
export class SaturatedError extends CollectorError {
  constructor(message: string, retryAfterSeconds = 1) {
    super('INGEST_SATURATED', 503, message, { retryAfterSeconds });
  }
}

/**
 * A ClickHouse failure, keeping ClickHouse's own `code` and `type` when it gave them. The base
 * of the three ways ingestion answers a failed insert (see `store/insert-failure.ts`).
 */
export abstract class ClickHouseFailure extends CollectorError {
  /** ClickHouse error code (numeric, as a string), when known; or a Node.js error code (`ECONNREFUSED`). */
  readonly clickhouseCode: string | undefined;
  /** ClickHouse error type name, e.g. `UNKNOWN_TABLE`, when known. */
  readonly clickhouseType: string | undefined;

  constructor(code: string, statusCode: number, message: string, cause: unknown, retryAfterSeconds?: number) {
    super(code, statusCode, message, retryAfterSeconds === undefined ? { cause } : { cause, retryAfterSeconds });
    const c = cause as { code?: unknown; type?: unknown; clickhouseCode?: unknown; clickhouseType?: unknown; message?: unknown } | undefined;
    // chDB's errors put their own discriminator in `code` ('CHDB_INSERT', ...) and ClickHouse's
    // numeric code in `clickhouseCode`; @clickhouse/client puts ClickHouse's code in `code`.
    this.clickhouseCode = c?.clickhouseCode !== undefined ? String(c.clickhouseCode) : c?.code !== undefined ? String(c.code) : undefined;
    // chDB gives no `type`; ClickHouse's messages end with it: "... (UNKNOWN_TABLE)".
    const fromMessage = typeof c?.message === 'string' ? /\(([A-Z][A-Z0-9_]+)\)\s*$/.exec(c.message)?.[1] : undefined;
    this.clickhouseType =
      typeof c?.clickhouseType === 'string' ? c.clickhouseType : typeof c?.type === 'string' ? c.type : fromMessage;
  }
}

/**
 * The store is unavailable or over capacity (a ClickHouse failure that retrying later cures):
 * 503 with Retry-After. Store calls throw it for every failure; ingestion narrows an insert's
 * failure down to this, {@link RowsRefusedError} or {@link StoreInsertError}.
 */
export class StoreError extends ClickHouseFailure {
  constructor(message: string, cause: unknown) {
    super('STORE_FAILED', 503, message, cause, 2);
  }
}

/**
 * The store refused one request's rows for what they hold (a parse or type error, too many
 * partitions): 400, not to be retried unchanged. The other requests batched with it were
 * stored without its rows.
 */
export class RowsRefusedError extends ClickHouseFailure {
  constructor(message: string, cause: unknown) {
    super('INGEST_ROWS_REFUSED', 400, message, cause);
  }
}

/**
 * An insert failed with an error known neither as a capacity or availability problem nor as
 * one of the rows' content (e.g. a table missing after a manual change): 500, no Retry-After,
 * since nothing says a retry would succeed; the collector logs the engine's error.
 */
export class StoreInsertError extends ClickHouseFailure {
  constructor(message: string, cause: unknown) {
    super('STORE_INSERT_FAILED', 500, message, cause);
  }
}

/** A configuration value is missing or invalid; the message names the key, the value and what is expected. */
export class ConfigError extends CollectorError {
  constructor(message: string) {
    super('CONFIG_INVALID', 500, message);
  }
}
