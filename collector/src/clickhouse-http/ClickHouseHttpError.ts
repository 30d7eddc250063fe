/**
 * ClickHouse's error codes this interface raises itself (the engine's own keep the code and name
 * it gave them). From ClickHouse's `src/Common/ErrorCodes.cpp`.
 */
export const CLICKHOUSE_ERRORS = {
  BAD_ARGUMENTS: 36,
  UNKNOWN_FUNCTION: 46,
  NOT_IMPLEMENTED: 48,
  UNKNOWN_TABLE: 60,
  SYNTAX_ERROR: 62,
  UNKNOWN_FORMAT: 73,
  UNKNOWN_DATABASE: 81,
  UNKNOWN_COMPRESSION_METHOD: 89,
  UNKNOWN_SETTING: 115,
  TIMEOUT_EXCEEDED: 159,
  READONLY: 164,
  REQUIRED_PASSWORD: 194,
  QUERY_IS_TOO_LARGE: 229,
  MEMORY_LIMIT_EXCEEDED: 241,
  ZLIB_INFLATE_FAILED: 354,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  SESSION_NOT_FOUND: 372,
  ACCESS_DENIED: 497,
  AUTHENTICATION_FAILED: 516,
} as const;

/** A ClickHouse error name this interface raises. */
export type ClickHouseErrorName = keyof typeof CLICKHOUSE_ERRORS;

/**
 * HTTP status by error name, as ClickHouse's `exceptionCodeToHTTPStatus`
 * (`src/Server/HTTP/exceptionCodeToHTTPStatus.cpp`); anything else is 500.
 */
const STATUS_BY_NAME: Record<string, number> = {
  REQUIRED_PASSWORD: 401,
  ...Object.fromEntries(['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE', 'ACCESS_DENIED'].map((n) => [n, 403])),
  ...Object.fromEntries(
    [
      'BAD_ARGUMENTS',
      'CANNOT_COMPILE_REGEXP',
      'CANNOT_PARSE_TEXT',
      'CANNOT_PARSE_ESCAPE_SEQUENCE',
      'CANNOT_PARSE_QUOTED_STRING',
      'CANNOT_PARSE_DATE',
      'CANNOT_PARSE_DATETIME',
      'CANNOT_PARSE_NUMBER',
      'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
      'CANNOT_PARSE_IPV4',
      'CANNOT_PARSE_IPV6',
      'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
      'CANNOT_PARSE_UUID',
      'DUPLICATE_COLUMN',
      'ILLEGAL_COLUMN',
      'UNKNOWN_ELEMENT_IN_AST',
      'UNKNOWN_TYPE_OF_AST_NODE',
      'THERE_IS_NO_COLUMN',
      'TOO_DEEP_AST',
      'TOO_BIG_AST',
      'UNEXPECTED_AST_STRUCTURE',
      'SYNTAX_ERROR',
      'INCORRECT_DATA',
      'TYPE_MISMATCH',
      'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
    ].map((n) => [n, 400]),
  ),
  ...Object.fromEntries(
    [
      'UNKNOWN_TABLE',
      'UNKNOWN_FUNCTION',
      'UNKNOWN_IDENTIFIER',
      'UNKNOWN_TYPE',
      'UNKNOWN_STORAGE',
      'UNKNOWN_DATABASE',
      'UNKNOWN_SETTING',
      'UNKNOWN_DIRECTION_OF_SORTING',
      'UNKNOWN_AGGREGATE_FUNCTION',
      'UNKNOWN_FORMAT',
      'UNKNOWN_DATABASE_ENGINE',
      'UNKNOWN_TYPE_OF_QUERY',
      'UNKNOWN_ROLE',
    ].map((n) => [n, 404]),
  ),
  QUERY_IS_TOO_LARGE: 413,
  NOT_IMPLEMENTED: 501,
  SOCKET_TIMEOUT: 503,
  CANNOT_OPEN_FILE: 503,
  CANNOT_SCHEDULE_TASK: 503,
  HTTP_LENGTH_REQUIRED: 411,
  TIMEOUT_EXCEEDED: 408,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/** The HTTP status ClickHouse answers an error of this name with. */
export function httpStatusOf(name: string): number {
  return STATUS_BY_NAME[name] ?? 500;
}

/**
 * An error as ClickHouse's HTTP interface reports it: a numeric code, its name and a message.
 * The body of the answer is `Code: <code>. DB::Exception: <message>. (<NAME>) (version <v>)`,
 * the code also goes in `X-ClickHouse-Exception-Code`, and the status follows {@link httpStatusOf}.
 */
export class ClickHouseHttpError extends Error {
  readonly code: number;
  readonly type: string;

  constructor(code: number, type: string, message: string) {
    super(message);
    this.name = 'ClickHouseHttpError';
    this.code = code;
    this.type = type;
  }

  /** One of the errors this interface raises itself. */
  static of(name: ClickHouseErrorName, message: string): ClickHouseHttpError {
    return new ClickHouseHttpError(CLICKHOUSE_ERRORS[name], name, message);
  }

  /**
   * The engine's error (chDB's messages have ClickHouse's `Code: N. DB::Exception: ... (NAME)`
   * form); anything else becomes a 500 with its message.
   */
  static fromEngine(err: unknown): ClickHouseHttpError {
    if (err instanceof ClickHouseHttpError) return err;
    const text = err instanceof Error ? err.message : String(err);
    const m = /^Code: (\d+)\. DB::Exception: ([\s\S]*?)\.? \(([A-Z0-9_]+)\)(?: \(version [^)]*\))?\s*$/.exec(text.trim());
    if (m) return new ClickHouseHttpError(Number(m[1]), m[3]!, m[2]!);
    const loose = /Code: (\d+)\. DB::Exception: ([\s\S]*?)\(([A-Z0-9_]{3,})\)/.exec(text);
    if (loose) return new ClickHouseHttpError(Number(loose[1]), loose[3]!, loose[2]!.trim().replace(/\.$/, ''));
    return new ClickHouseHttpError(1001, 'STD_EXCEPTION', text);
  }

  /** The HTTP status of this error. */
  get status(): number {
    return httpStatusOf(this.type);
  }

  /** The body ClickHouse sends for it, ending with a line break. */
  body(version: string): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.type}) (version ${version})\n`;
  }
}
