/**
 * Typed errors of the collector. Every error has a stable `code` from the registry
 * (`http/error-codes.ts`), which gives its `statusCode` and, for 429/503, its Retry-After;
 * messages say what was wrong, where, and what to do. Each class binds one code, so no code is
 * written anywhere else; the root error handler (`http/http-plugin.ts`) answers any of them.
 */
import { ERROR_CODES, type ErrorCode, type ErrorCodeSpec } from './http/error-codes.js';

/** Base class of every error the collector raises on purpose. */
export abstract class CollectorError extends Error {
  /** Stable machine-readable code, e.g. `INGEST_BODY_TOO_LARGE`. */
  readonly code: ErrorCode;
  /** HTTP status this error maps to: the registry's for its code. */
  readonly statusCode: number;
  /** Seconds a client should wait before retrying: set exactly for codes answering 429/503. */
  readonly retryAfterSeconds: number | undefined;

  /**
   * @param options `cause`: the underlying error; `retryAfterSeconds`: overrides the code's
   *   default Retry-After (ignored for codes that have none).
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const spec: ErrorCodeSpec = ERROR_CODES[code];
    this.name = new.target.name;
    this.code = code;
    this.statusCode = spec.status;
    this.retryAfterSeconds = spec.retryAfterSeconds === undefined ? undefined : (options?.retryAfterSeconds ?? spec.retryAfterSeconds);
  }
}

/** The codes that answer 400. */
export type BadRequestCode = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['status'] extends 400 ? C : never }[ErrorCode];

/** The request cannot be used as sent (400); clients must not retry it unchanged. */
export abstract class BadRequestError extends CollectorError {
  constructor(code: BadRequestCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A query, path or body parameter fails its schema, or parameters contradict each other.
 * The message names the parameter, what it expects and what it got.
 */
export class RequestInvalidError extends BadRequestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REQUEST_INVALID', message, options);
  }
}

/** The `X-Inferlens-Project` header is sent twice, is not UTF-8 or is too long. */
export class BadProjectHeaderError extends BadRequestError {
  constructor(message: string) {
    super('INGEST_BAD_PROJECT_HEADER', message);
  }
}

/** The `Idempotency-Key` header is sent twice, empty, too long or not printable ASCII. */
export class BadIdempotencyKeyError extends BadRequestError {
  constructor(message: string) {
    super('INGEST_BAD_IDEMPOTENCY_KEY', message);
  }
}

/** `Content-Encoding: gzip`, but the body is not gzip. */
export class BadGzipError extends BadRequestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INGEST_BAD_GZIP', message, options);
  }
}

/** A reference data set (upload or pin) cannot be read. */
export class ReferenceInvalidError extends BadRequestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REFERENCE_INVALID', message, options);
  }
}

/** A reference data set holds no rows. */
export class ReferenceEmptyError extends BadRequestError {
  constructor(message: string) {
    super('REFERENCE_EMPTY', message);
  }
}

/** A path that is not a plain path to a file that may be served (`..`, `//`). */
export class ForbiddenError extends CollectorError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/**
 * Authentication is required and the request carries no bearer key. The reply also carries
 * `WWW-Authenticate: Bearer` (RFC 6750).
 */
export class AuthRequiredError extends CollectorError {
  constructor(message: string) {
    super('AUTH_REQUIRED', message);
  }
}

/** The bearer key is unknown, malformed or revoked: which of these is not told. */
export class InvalidKeyError extends CollectorError {
  constructor(message: string) {
    super('AUTH_INVALID_KEY', message);
  }
}

/** The request's key lacks the scope the endpoint needs. */
export class ScopeDeniedError extends CollectorError {
  constructor(message: string) {
    super('AUTH_SCOPE_DENIED', message);
  }
}

/** The `Host` header names a host this collector does not answer for (DNS rebinding, or a name missing from `auth.allowedHosts`). */
export class HostNotAllowedError extends CollectorError {
  constructor(message: string) {
    super('HOST_NOT_ALLOWED', message);
  }
}

/** A browser request from another site's page. */
export class OriginNotAllowedError extends CollectorError {
  constructor(message: string) {
    super('ORIGIN_NOT_ALLOWED', message);
  }
}

/** The request names a project other than its key's. */
export class ProjectDeniedError extends CollectorError {
  constructor(message: string) {
    super('AUTH_PROJECT_DENIED', message);
  }
}

/** No such route, or nothing stored under the name asked for. */
export class NotFoundError extends CollectorError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** A job run asked of a collector that does not hold the jobs lease. */
export class JobsStandbyError extends CollectorError {
  constructor(message: string) {
    super('JOBS_STANDBY', message);
  }
}

/** A conditional request (`If-Match`, `If-Unmodified-Since`) whose condition does not hold. */
export class PreconditionFailedError extends CollectorError {
  constructor(message: string) {
    super('PRECONDITION_FAILED', message);
  }
}

/** The request body (compressed or decompressed) is larger than the configured limit. */
export class BodyTooLargeError extends CollectorError {
  constructor(message: string) {
    super('INGEST_BODY_TOO_LARGE', message);
  }
}

/**
 * A body holds more records (predictions, feedback, spans, log records, reference rows) than the
 * endpoint accepts per request (`limits.maxRecordsPerRequest`). Nothing of the body is accepted.
 */
export class TooManyRecordsError extends CollectorError {
  /**
   * @param maxRecords the per-request limit that was exceeded
   * @param message what held too many records; by default a native body's message
   */
  constructor(
    readonly maxRecords: number,
    message = `the body holds more than ${maxRecords} records; send at most ${maxRecords} per request`,
  ) {
    super('INGEST_TOO_MANY_RECORDS', message);
  }
}

/** A request whose headers or body did not arrive within `limits.headersTimeoutMs` / `limits.requestTimeoutMs` (a slow client). */
export class RequestTimeoutError extends CollectorError {
  constructor(message: string) {
    super('REQUEST_TIMEOUT', message);
  }
}

/** The Content-Type or Content-Encoding is not one the endpoint reads. */
export class UnsupportedMediaTypeError extends CollectorError {
  constructor(message: string) {
    super('INGEST_UNSUPPORTED_MEDIA_TYPE', message);
  }
}

/** A `Range` that lies outside the file asked for. */
export class RangeNotSatisfiableError extends CollectorError {
  constructor(message: string) {
    super('RANGE_NOT_SATISFIABLE', message);
  }
}

/**
 * Anything the collector did not raise on purpose. Its message never leaves the process: the
 * client reads only that it failed, the log has the original error (`cause`).
 */
export class InternalError extends CollectorError {
  constructor(cause: unknown) {
    super('INTERNAL', 'internal error; see the collector log', { cause });
  }
}

/** The request's key sent more records than its rate limit allows; retry after a pause. */
export class RateLimitedError extends CollectorError {
  /** @param retryAfterSeconds when the request would pass */
  constructor(message: string, retryAfterSeconds: number) {
    super('INGEST_RATE_LIMITED', message, { retryAfterSeconds });
  }
}

/** The collector is saturated (too many rows waiting for storage) or shutting down; retry after a pause. */
export class SaturatedError extends CollectorError {
  /** @param retryAfterSeconds the delay to ask for; the registry's (1 s) by default */
  constructor(message: string, retryAfterSeconds?: number) {
    super('INGEST_SATURATED', message, retryAfterSeconds === undefined ? undefined : { retryAfterSeconds });
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

  constructor(code: ErrorCode, message: string, cause: unknown) {
    super(code, message, { cause });
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
    super('STORE_FAILED', message, cause);
  }
}

/**
 * The store refused one request's rows for what they hold (a parse or type error, too many
 * partitions): 400, not to be retried unchanged. The other requests batched with it were
 * stored without its rows.
 */
export class RowsRefusedError extends ClickHouseFailure {
  constructor(message: string, cause: unknown) {
    super('INGEST_ROWS_REFUSED', message, cause);
  }
}

/**
 * An insert failed with an error known neither as a capacity or availability problem nor as
 * one of the rows' content (e.g. a table missing after a manual change): 500, no Retry-After,
 * since nothing says a retry would succeed; the collector logs the engine's error.
 */
export class StoreInsertError extends ClickHouseFailure {
  constructor(message: string, cause: unknown) {
    super('STORE_INSERT_FAILED', message, cause);
  }
}

/** A configuration value is missing or invalid; the message names the key, the value and what is expected. */
export class ConfigError extends CollectorError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}
