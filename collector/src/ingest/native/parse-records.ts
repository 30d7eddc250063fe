import {
  validateFeedback,
  validatePrediction,
  type NormalizedFeedback,
  type NormalizedPrediction,
  type RecordLimits,
  type ValidationResult,
} from '@inferlens/semconv';
import type { EventTimeBounds } from '../EventTimeBounds.js';
import { BadRequestError, TooManyRecordsError } from '../../errors.js';
import { NO_POLICY, projectRejection, type RecordPolicy } from '../record-policy.js';

/** Which record type a native endpoint receives: `/v1/predictions` or `/v1/feedback`. */
export type RecordKind = 'prediction' | 'feedback';

/**
 * One record of a body that was refused; the other records of the body are
 * unaffected.
 */
export interface RecordError {
  /**
   * 0-based position of the record in the body: the n-th non-blank NDJSON
   * line, or the n-th element of a JSON array.
   */
  index: number;
  /** 1-based line number in the body, for NDJSON bodies only (blank lines count). */
  line?: number;
  /** Path of the offending field (`features.age`); '' when the record as a whole is wrong (invalid JSON, not an object). */
  field: string;
  /** What was expected and what was got, e.g. `expected number, string, boolean or null, got object`. */
  message: string;
}

/** What `parseRecordBody` makes of a body. */
export interface ParsedRecords<T> {
  /** The valid records, normalized, in body order. */
  records: T[];
  /** The refused records, in body order. */
  rejected: RecordError[];
  /** Number of records in the body: `records.length + rejected.length`. */
  total: number;
}

/**
 * Thrown when a body that starts with `[` is not a valid JSON array. Unlike
 * an NDJSON line, a broken array cannot be split into records, so the whole
 * body is refused (400, `INGEST_INVALID_BODY`).
 */
export class InvalidBodyError extends BadRequestError {
  /** @param message what is wrong with the body */
  constructor(message: string) {
    super('INGEST_INVALID_BODY', message);
  }
}

const MAX_JSON_ERROR_LENGTH = 200;

/**
 * Parses and validates the body of a native ingest request.
 *
 * The body is either NDJSON (one JSON object per line; blank lines are
 * ignored; `\n` or `\r\n` line ends; a leading byte order mark is ignored) or,
 * when its first non-blank character is `[`, one JSON array of objects. As a
 * courtesy, a single pretty-printed JSON object spread over several lines is
 * read as one record.
 *
 * Each record is validated on its own: an NDJSON line that is not valid JSON,
 * a record that breaks a rule, and a valid record whose `timestamp` is outside
 * `eventTimes` are listed in `rejected`, and the rest are still returned in `records`.
 *
 * @param body the request body, decoded as UTF-8
 * @param kind which validator to apply
 * @param limits size limits per record
 * @param maxRecords most records accepted in one body
 * @param eventTimes the event times accepted (checked after the validator's rules); none when omitted
 * @param policy what the request's key imposes (a record naming another project than a bound key's is rejected alone)
 * @throws {TooManyRecordsError} when the body holds more than `maxRecords` records
 * @throws {InvalidBodyError} when a body starting with `[` is not valid JSON
 * @example
 * ```ts
 * const { records, rejected } = parseRecordBody(body, 'prediction', DEFAULT_RECORD_LIMITS, 10_000);
 * const errors = rejected.map(formatRecordError); // ["record 3: invalid JSON: ..."]
 * ```
 */
export function parseRecordBody(
  body: string,
  kind: 'prediction',
  limits: RecordLimits,
  maxRecords: number,
  eventTimes?: EventTimeBounds,
  policy?: RecordPolicy,
): ParsedRecords<NormalizedPrediction>;
export function parseRecordBody(
  body: string,
  kind: 'feedback',
  limits: RecordLimits,
  maxRecords: number,
  eventTimes?: EventTimeBounds,
  policy?: RecordPolicy,
): ParsedRecords<NormalizedFeedback>;
export function parseRecordBody(
  body: string,
  kind: RecordKind,
  limits: RecordLimits,
  maxRecords: number,
  eventTimes?: EventTimeBounds,
  policy?: RecordPolicy,
): ParsedRecords<NormalizedPrediction> | ParsedRecords<NormalizedFeedback>;
export function parseRecordBody(
  body: string,
  kind: RecordKind,
  limits: RecordLimits,
  maxRecords: number,
  eventTimes?: EventTimeBounds,
  policy: RecordPolicy = NO_POLICY,
): ParsedRecords<NormalizedPrediction | NormalizedFeedback> {
  const validate: (value: unknown, limits: RecordLimits) => ValidationResult<NormalizedPrediction | NormalizedFeedback> =
    kind === 'prediction' ? validatePrediction : validateFeedback;
  const out: ParsedRecords<NormalizedPrediction | NormalizedFeedback> = { records: [], rejected: [], total: 0 };
  const accept = (value: unknown, index: number, line: number | undefined): void => {
    const result = validate(value, limits);
    if (!result.ok) {
      out.rejected.push(recordError(index, line, result.field, result.message));
      return;
    }
    const refused = projectRejection(result.value.project, policy);
    if (refused !== undefined) {
      out.rejected.push(recordError(index, line, 'project', refused));
      return;
    }
    const outside = eventTimeError(result.value.timeUnixNano, eventTimes, index, line);
    if (outside) out.rejected.push(outside);
    else out.records.push(result.value);
  };

  scanRecords(body, maxRecords, accept, (error) => out.rejected.push(error));
  out.total = out.records.length + out.rejected.length;
  return out;
}

/**
 * The record walk under {@link parseRecordBody}, for callers that turn each decoded
 * value into something else than a normalized record (e.g. RowBinary rows): calls
 * `accept` with each decoded value in body order, and `invalid` for each NDJSON line
 * that is not valid JSON. The body rules and the errors thrown are those of
 * {@link parseRecordBody}.
 *
 * @param body the request body, decoded as UTF-8
 * @param maxRecords most records accepted in one body
 * @param accept receives a decoded value, its 0-based index and (NDJSON) its 1-based line
 * @param invalid receives the error of a line that is not valid JSON
 * @throws {TooManyRecordsError} when the body holds more than `maxRecords` records
 * @throws {InvalidBodyError} when a body starting with `[` is not valid JSON
 */
export function scanRecords(
  body: string,
  maxRecords: number,
  accept: (value: unknown, index: number, line: number | undefined) => void,
  invalid: (error: RecordError) => void,
): void {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (firstNonBlankChar(text) === '[') {
    parseArray(text, maxRecords, accept);
  } else {
    parseLines(text, maxRecords, accept, (index, line, message) => {
      invalid(recordError(index, line, '', `invalid JSON: ${message}`));
    });
  }
}

/**
 * The rejection of a valid record whose `timestamp` is outside `eventTimes`; undefined when it
 * is within them, when the record gives no time (it takes the receive time), or without bounds.
 */
export function eventTimeError(
  timeUnixNano: bigint | undefined,
  eventTimes: EventTimeBounds | undefined,
  index: number,
  line: number | undefined,
): RecordError | undefined {
  if (timeUnixNano === undefined || eventTimes === undefined || eventTimes.contains(timeUnixNano)) return undefined;
  return recordError(index, line, 'timestamp', eventTimes.problem(timeUnixNano));
}

/**
 * The text form of a record error: `record 17: features.age: expected
 * number, got "abc"`, or `record 3: invalid JSON: ...` when there is no field.
 * The record number is the 0-based `index`.
 */
export function formatRecordError(error: RecordError): string {
  return error.field === ''
    ? `record ${error.index}: ${error.message}`
    : `record ${error.index}: ${error.field}: ${error.message}`;
}

type Accept = (value: unknown, index: number, line: number | undefined) => void;

function parseArray(text: string, maxRecords: number, accept: Accept): void {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    throw new InvalidBodyError(
      `the body starts with "[" but is not a valid JSON array: ${jsonErrorMessage(error)}; ` +
        'send one JSON array of objects, or NDJSON (one object per line)',
    );
  }
  if (!Array.isArray(values)) {
    throw new InvalidBodyError('the body starts with "[" but is not a JSON array');
  }
  if (values.length > maxRecords) throw new TooManyRecordsError(maxRecords);
  for (let index = 0; index < values.length; index++) accept(values[index], index, undefined);
}

function parseLines(
  text: string,
  maxRecords: number,
  accept: Accept,
  reject: (index: number, line: number, message: string) => void,
): void {
  let index = 0;
  let lineNumber = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lineNumber++;
    if (isBlank(line)) continue;
    if (index >= maxRecords) throw new TooManyRecordsError(maxRecords);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const whole = index === 0 ? parseWholeObject(text) : undefined;
      if (whole !== undefined) {
        accept(whole, 0, lineNumber);
        return;
      }
      reject(index++, lineNumber, jsonErrorMessage(error));
      continue;
    }
    accept(value, index++, lineNumber);
  }
}

/** A pretty-printed single object: the whole body parses as one JSON object. */
function parseWholeObject(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A {@link RecordError}; `line` is left out for JSON-array bodies. */
export function recordError(index: number, line: number | undefined, field: string, message: string): RecordError {
  return line === undefined ? { index, field, message } : { index, line, field, message };
}

function firstNonBlankChar(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    if (!isWhitespace(text.charCodeAt(i))) return text[i];
  }
  return undefined;
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    if (!isWhitespace(line.charCodeAt(i))) return false;
  }
  return true;
}

/** JSON's own whitespace: space, tab, line feed, carriage return. */
function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function jsonErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length <= MAX_JSON_ERROR_LENGTH ? message : `${message.slice(0, MAX_JSON_ERROR_LENGTH)}...`;
}
