/**
 * The registry of the collector's stable error codes: for each, the HTTP status it answers with,
 * the Retry-After it sends (exactly for 429 and 503), and when it is given. The error classes
 * (`errors.ts` and the few that live beside their parsers) take their status and Retry-After from
 * here, the root error handler answers with them, and the tables of docs/http-api.md are rendered from it
 * (`renderErrorCodeTables`, checked by `error-codes.test.ts`). Fastify's `FST_ERR_*` table is the
 * model: one line per code, nothing decided elsewhere.
 */

/** One code of {@link ERROR_CODES}. */
export interface ErrorCodeSpec {
  /** HTTP status of a reply with this code. */
  readonly status: number;
  /** Default Retry-After, in seconds; set exactly for codes answering 429 or 503. */
  readonly retryAfterSeconds?: number;
  /** When the code is given (one line, for docs/http-api.md). */
  readonly when: string;
  /**
   * Set for codes that only the command-line tools print, never sent over HTTP: their exit
   * status. Their `status` is the class's `statusCode`, kept for programs that embed the tools.
   */
  readonly cliExit?: number;
}

/** Every stable code, by name. Keep the HTTP ones grouped by status; docs/http-api.md lists them in this order. */
export const ERROR_CODES = {
  REQUEST_INVALID: {
    status: 400,
    when: 'a query, path or body parameter fails its schema (named with what it expects and what it got), or parameters contradict each other (`from` not before `to`)',
  },
  INGEST_BAD_PROJECT_HEADER: {
    status: 400,
    when: '`X-Inferlens-Project` is sent more than once, is not UTF-8, or is longer than a project name may be',
  },
  INGEST_BAD_IDEMPOTENCY_KEY: {
    status: 400,
    when: '`Idempotency-Key` is sent more than once, is empty, is longer than 256 characters, or holds characters outside printable ASCII',
  },
  INGEST_BAD_GZIP: { status: 400, when: '`Content-Encoding: gzip` but the body is not gzip' },
  INGEST_INVALID_BODY: { status: 400, when: 'a native body that starts with `[` is not a JSON array' },
  INGEST_OTLP_DECODE: { status: 400, when: 'an OTLP body does not decode (truncated protobuf, invalid JSON, not an export request)' },
  INGEST_ROWS_REFUSED: {
    status: 400,
    when: "the store refused this request's rows for what they hold (the other requests' rows were stored); do not retry unchanged",
  },
  REFERENCE_INVALID: { status: 400, when: 'a reference upload or pin that cannot be read (a bad line, row or CSV; `from` not before `to`)' },
  REFERENCE_EMPTY: { status: 400, when: 'a reference with no rows, or a pin over a range without predictions' },
  ALERT_RULES_INVALID: { status: 400, when: '`POST /api/v1/rules/reload`: the rules file is invalid or not configured; the rules in force stay' },
  AUTH_REQUIRED: {
    status: 401,
    when: '`auth.mode: required` and the request carries no `Authorization: Bearer <key>` header (answered with `WWW-Authenticate: Bearer`)',
  },
  AUTH_INVALID_KEY: { status: 401, when: 'the bearer key is unknown, malformed or revoked' },
  FORBIDDEN: { status: 403, when: 'a UI path that is not a plain path to one of its files (`..`, `//`)' },
  AUTH_SCOPE_DENIED: {
    status: 403,
    when: "the key lacks the endpoint's scope: `ingest` to send records, `read` (or `admin`) to read, `admin` for references, pins, job runs and keys, `admin` of project `*` for rule reloads and collector-wide reads",
  },
  HOST_NOT_ALLOWED: {
    status: 403,
    when: "the `Host` header names neither this machine (its addresses, `localhost`) nor a name of `auth.allowedHosts`: a DNS-rebinding page, or a name to add to the list",
  },
  ORIGIN_NOT_ALLOWED: { status: 403, when: "a browser request from another site's page (`Origin` other than the collector's, or `Sec-Fetch-Site: cross-site`)" },
  AUTH_PROJECT_DENIED: {
    status: 403,
    when: "the request names a project (`project` parameter or field, `X-Inferlens-Project`) other than its key's; a record naming another project is rejected alone instead",
  },
  NOT_FOUND: { status: 404, when: 'no such route, or nothing stored under the name asked for (a trace, a reference)' },
  JOBS_STANDBY: {
    status: 409,
    when: '`POST /api/v1/jobs/{drift,sla,quality}/run` on a collector that does not hold the jobs lease (another collector runs the jobs; the message names it)',
  },
  PRECONDITION_FAILED: { status: 412, when: "a UI file request whose `If-Match` / `If-Unmodified-Since` does not hold" },
  REQUEST_TIMEOUT: {
    status: 408,
    when: 'the request (headers and body) did not arrive within `limits.requestTimeoutMs`, or its headers within `limits.headersTimeoutMs`; the connection is closed',
  },
  INGEST_BODY_TOO_LARGE: {
    status: 413,
    when: 'the body is over `limits.maxBodyBytes`, or over `limits.maxDecompressedBytes` once inflated',
  },
  INGEST_TOO_MANY_RECORDS: { status: 413, when: 'the body holds more records (spans, log records, rows) than `limits.maxRecordsPerRequest`; split it' },
  INGEST_UNSUPPORTED_MEDIA_TYPE: { status: 415, when: 'a `Content-Type` or `Content-Encoding` the endpoint does not read' },
  RANGE_NOT_SATISFIABLE: { status: 416, when: 'a UI file request whose `Range` lies outside the file' },
  INTERNAL: { status: 500, when: 'an unexpected failure; the message says only to see the collector log, where the error is' },
  STORE_INSERT_FAILED: {
    status: 500,
    when: "the store failed an insert in a way that is neither capacity nor the rows' content (a table dropped by hand); the log has the engine's error",
  },
  INGEST_RATE_LIMITED: {
    status: 429,
    retryAfterSeconds: 1,
    when: "the request's key sent more records than its rate limit (`auth.rateLimit.*`, or the key's own): Retry-After says when this request would pass; nothing of it was stored",
  },
  INGEST_SATURATED: {
    status: 503,
    retryAfterSeconds: 1,
    when: 'too many rows wait for storage, or the collector is shutting down (Retry-After 5); nothing of the request was stored',
  },
  STORE_FAILED: {
    status: 503,
    retryAfterSeconds: 2,
    when: 'the store is unavailable or over capacity (too many parts, memory, disk, timeouts, network)',
  },
  CONFIG_INVALID: { status: 500, cliExit: 2, when: '`inferlens-collector`: a configuration value is missing or invalid; the message names the key' },
  DRIFT_USAGE: { status: 400, cliExit: 2, when: '`inferlens drift`: a usage error (a missing or unknown option, a `--categorical` column that is not there)' },
  DRIFT_FILE_UNREADABLE: { status: 400, cliExit: 2, when: '`inferlens drift`: a file cannot be read' },
  DRIFT_CSV_MALFORMED: { status: 400, cliExit: 2, when: '`inferlens drift`: a CSV record is malformed (quoting)' },
  DRIFT_CSV_RAGGED: { status: 400, cliExit: 2, when: '`inferlens drift`: a CSV record has more or fewer cells than the header' },
  DRIFT_CSV_HEADER: { status: 400, cliExit: 2, when: '`inferlens drift`: the file is empty, or a header column has no name or appears twice' },
  DRIFT_CSV_NO_ROWS: { status: 400, cliExit: 2, when: '`inferlens drift`: no data rows after the header' },
  DRIFT_COLUMN_TYPE: { status: 400, cliExit: 2, when: '`inferlens drift`: a value does not fit its column (text in a numeric column)' },
  DRIFT_FEATURE_MISMATCH: { status: 400, cliExit: 2, when: '`inferlens drift`: a feature is in one file but not the other' },
} as const satisfies Record<string, ErrorCodeSpec>;

/** A stable error code: a key of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The registry's entry for `code`. */
export function errorCodeSpec(code: ErrorCode): ErrorCodeSpec {
  return ERROR_CODES[code];
}

/** The codes a reply over HTTP can carry (those without `cliExit`), in registry order. */
export function httpErrorCodes(): ErrorCode[] {
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => (ERROR_CODES[c] as ErrorCodeSpec).cliExit === undefined);
}

/**
 * The error-code tables of docs/http-api.md, in Markdown: one for the HTTP codes (code, status, Retry-After,
 * when), one for the codes only the command-line tools print (code, exit status, when).
 */
export function renderErrorCodeTables(): string {
  const all = Object.keys(ERROR_CODES) as ErrorCode[];
  const http = httpErrorCodes().map((c) => {
    const s: ErrorCodeSpec = ERROR_CODES[c];
    return `| \`${c}\` | ${s.status} | ${s.retryAfterSeconds === undefined ? '' : `${s.retryAfterSeconds} s`} | ${s.when} |`;
  });
  const cli = all
    .filter((c) => (ERROR_CODES[c] as ErrorCodeSpec).cliExit !== undefined)
    .map((c) => {
      const s: ErrorCodeSpec = ERROR_CODES[c];
      return `| \`${c}\` | ${s.cliExit} | ${s.when} |`;
    });
  return [
    '| code | status | Retry-After | when |',
    '| --- | --- | --- | --- |',
    ...http,
    '',
    'Codes the command-line tools print (never sent over HTTP):',
    '',
    '| code | exit status | when |',
    '| --- | --- | --- |',
    ...cli,
  ].join('\n');
}
