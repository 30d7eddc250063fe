import { DEFAULT_PROJECT, validatePrediction, type RecordLimits } from '@inferlens/semconv';
import { dayOfEpochMillis, PartitionDays } from '../../store/PartitionDays.js';
import { int64Halves, RowBinaryWriter } from '../../store/row-binary.js';
import { PREDICTIONS } from '../../store/schema/predictions.js';
import { EventTimeBounds } from '../EventTimeBounds.js';
import { eventTimeError, recordError, scanRecords, type RecordError } from './parse-records.js';
import { predictionToRow, projectFor } from './to-rows.js';
import { NO_POLICY, projectRejection, type RecordPolicy } from '../record-policy.js';

/** What {@link transcodePredictions} returns. */
export interface TranscodedPredictions {
  /** The valid records as `predictions` rows in RowBinary, in the `predictions` definition's column order. */
  rows: Buffer;
  /** How many rows `rows` holds. */
  count: number;
  /** The UTC days of the rows' `Timestamp`s (their partitions), for the batcher. */
  days: PartitionDays;
  /** The refused records, in body order, as `parseRecordBody` reports them. */
  rejected: RecordError[];
  /** Rows written through the validator and the row codec instead of the fast path (for tests and profiling). */
  slowRecords: number;
}

const TWO_32 = 0x1_0000_0000;

/**
 * Parses an NDJSON (or JSON array) body of prediction records straight into `predictions`
 * RowBinary rows. Same rows, in the same bytes, and the same rejections as
 * `parseRecordBody(body, 'prediction', ..., eventTimes)`, then `predictionToRow` and the RowBinary codec.
 *
 * A record in the common shape (numeric epoch-millisecond timestamp, lowercase hex ids,
 * values of the expected types within the limits) is validated and written in one pass,
 * without normalized record or row objects. Any other record, valid or not, goes through
 * `validatePrediction` and `predictionToRow`, so errors and edge cases have one source.
 *
 * @param body the request body, decoded as UTF-8
 * @param limits size limits per record
 * @param maxRecords most records accepted in one body
 * @param receivedAtNs the `Timestamp` of records that give none, in Unix nanoseconds
 * @param requestProject the request's project, for records whose project is `default`
 * @param eventTimes the event times accepted; only the store's range when omitted
 * @param policy what the request's key imposes: a record naming another project than a bound
 *   key's takes the validator's path, which rejects it
 * @param ingestKey the request's key (`ingest/request-key.ts`), written into every row's `IngestKey`
 * @throws {TooManyRecordsError} when the body holds more than `maxRecords` records
 * @throws {InvalidBodyError} when a body starting with `[` is not valid JSON
 */
export function transcodePredictions(
  body: string,
  limits: RecordLimits,
  maxRecords: number,
  receivedAtNs: bigint,
  requestProject: string | undefined,
  eventTimes: EventTimeBounds = EventTimeBounds.REPRESENTABLE,
  policy: RecordPolicy = NO_POLICY,
  ingestKey = '',
): TranscodedPredictions {
  const w = new RowBinaryWriter(body.length + 1024);
  const keyColumn = stringBytes(ingestKey);
  const [lo, hi] = int64Halves(receivedAtNs);
  const received = { lo, hi, day: Number(receivedAtNs / 86_400_000_000_000n) };
  const days = new PartitionDays();
  const out: TranscodedPredictions = { rows: Buffer.alloc(0), count: 0, days, rejected: [], slowRecords: 0 };
  scanRecords(
    body,
    maxRecords,
    (value, index, line) => {
      const mark = w.length;
      const day = writePrediction(w, value, limits, received, requestProject, eventTimes, policy);
      if (day >= 0) {
        w.raw(keyColumn);
        days.add(day);
        out.count++;
        return;
      }
      w.rewind(mark);
      const result = validatePrediction(value, limits);
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
      if (outside) {
        out.rejected.push(outside);
        return;
      }
      const plain = predictionToRow(result.value, receivedAtNs, requestProject);
      const row = policy.redactor ? policy.redactor.redact(plain) : plain;
      row.IngestKey = ingestKey;
      PREDICTIONS.write(w, row);
      days.add(PREDICTIONS.partitionDay!(row));
      out.count++;
      out.slowRecords++;
    },
    (error) => out.rejected.push(error),
  );
  out.rows = w.bytes();
  return out;
}

/** A string column's RowBinary bytes (its length, then its UTF-8). */
function stringBytes(value: string): Buffer {
  const w = new RowBinaryWriter(value.length * 3 + 8);
  w.string(value);
  return w.bytes();
}

/** What {@link writePrediction} returns for a record it does not take. */
const NOT_TAKEN = -1;

/**
 * Writes one record in the common shape as a `predictions` row, all but its last column
 * (`IngestKey`, the same for the whole request), and returns the UTC day of its
 * `Timestamp`; returns {@link NOT_TAKEN}, having written part of a row at most, for anything
 * else (the caller rewinds and takes the validator's path). Every check here is one of
 * `validatePrediction`'s rules or the event-time bounds, or stricter.
 */
function writePrediction(
  w: RowBinaryWriter,
  value: unknown,
  limits: RecordLimits,
  received: { lo: number; hi: number; day: number },
  requestProject: string | undefined,
  eventTimes: EventTimeBounds,
  policy: RecordPolicy,
): number {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return NOT_TAKEN;
  const r = value as Record<string, unknown>;
  const maxName = limits.maxNameLength;

  const timestamp = r.timestamp;
  let day = received.day;
  if (timestamp === undefined || timestamp === null) w.int64(received.lo, received.hi);
  // Within [minMs, maxMs] (whole milliseconds, rounded inwards) is within the bounds in nanoseconds too.
  else if (typeof timestamp === 'number' && timestamp >= eventTimes.minMs && timestamp <= eventTimes.maxMs) day = writeEpochMillis(w, timestamp);
  else return NOT_TAKEN;

  const predictionId = r.predictionId;
  if (typeof predictionId !== 'string' || predictionId.length === 0 || predictionId.length > limits.maxIdLength) return NOT_TAKEN;
  w.string(predictionId);
  if (!hexId(w, r.traceId, 32) || !hexId(w, r.spanId, 16)) return NOT_TAKEN;
  const project = name(r.project, maxName);
  if (project === undefined || projectRejection(project, policy) !== undefined) return NOT_TAKEN;
  const finalProject = projectFor(project === '' ? DEFAULT_PROJECT : project, requestProject);
  w.string(finalProject);
  if (!nameColumn(w, r.service, maxName)) return NOT_TAKEN;
  const model = r.model;
  if (typeof model !== 'string' || model.length === 0 || model.length > maxName) return NOT_TAKEN;
  // A record with something to redact takes the row path, where the redactor applies.
  if (policy.redactor?.active && policy.redactor.applies(finalProject, model)) return NOT_TAKEN;
  w.string(model);
  if (!nameColumn(w, r.version, maxName) || !nameColumn(w, r.environment, maxName) || !nameColumn(w, r.segment, maxName)) return NOT_TAKEN;

  const latencyMs = r.latencyMs;
  if (latencyMs === undefined || latencyMs === null) w.float64(0);
  else if (typeof latencyMs === 'number' && latencyMs >= 0 && latencyMs !== Infinity) w.float64(latencyMs);
  else return NOT_TAKEN;
  const status = r.status;
  if (status === undefined || status === null || status === 'ok') w.string('ok');
  else if (status === 'error') w.string('error');
  else return NOT_TAKEN;
  if (!nameColumn(w, r.errorType, maxName)) return NOT_TAKEN;

  if (!valueMaps(w, r.features, limits.maxFeatures, limits) || !valueMaps(w, r.outputs, limits.maxOutputs, limits)) return NOT_TAKEN;
  if (!count(w, r.inputTokens) || !count(w, r.outputTokens)) return NOT_TAKEN;
  const sampleRate = r.sampleRate;
  if (sampleRate === undefined || sampleRate === null) w.float64(1);
  else if (typeof sampleRate === 'number' && sampleRate > 0 && sampleRate <= 1) w.float64(sampleRate);
  else return NOT_TAKEN;
  if (!attributes(w, r.attributes, limits)) return NOT_TAKEN;
  // A record with an embedding goes the validator's way (checked number by number there).
  if (r.embedding !== undefined && r.embedding !== null) return NOT_TAKEN;
  w.length32(0);
  return day;
}

/**
 * `DateTime64(9)` of epoch milliseconds (with a fraction), exactly as the validator's
 * `floor(ms) * 10^6 + round(fraction * 10^6)` in BigInt, from doubles below 2^53.
 * @returns the UTC day of that time (a fraction that rounds up to 10^6 carries into the next millisecond)
 */
function writeEpochMillis(w: RowBinaryWriter, ms: number): number {
  const whole = Math.floor(ms);
  const fraction = Math.round((ms - whole) * 1e6);
  const low = (whole % TWO_32) * 1e6 + fraction;
  const lo = low % TWO_32;
  w.int64(lo, Math.floor(whole / TWO_32) * 1e6 + (low - lo) / TWO_32);
  return dayOfEpochMillis(fraction === 1e6 ? whole + 1 : whole);
}

/** A name-like field's value: '' when not given, undefined when the fast path does not take it. */
function name(value: unknown, maxLength: number): string | undefined {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' && value.length <= maxLength ? value : undefined;
}

/** An optional name-like column (`''` when not given). */
function nameColumn(w: RowBinaryWriter, value: unknown, maxLength: number): boolean {
  const v = name(value, maxLength);
  if (v === undefined) return false;
  w.string(v);
  return true;
}

/** A trace or span id: `''` when not given, else `length` lowercase hex digits, not all zero. */
function hexId(w: RowBinaryWriter, value: unknown, length: number): boolean {
  if (value === undefined || value === null || value === '') {
    w.string('');
    return true;
  }
  if (typeof value !== 'string' || value.length !== length) return false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x30 && c <= 0x39) nonZero = true;
    else if (c >= 0x61 && c <= 0x66) nonZero = true;
    else if (c !== 0x30) return false;
  }
  if (!nonZero) return false;
  w.string(value);
  return true;
}

/** `UInt32` of an optional count (0 when not given). */
function count(w: RowBinaryWriter, value: unknown): boolean {
  if (value === undefined || value === null) w.uint32(0);
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff) w.uint32(value);
  else return false;
  return true;
}

/** Whether a map key is within the limits (the validator's key rule). */
function keyFits(key: string, limits: RecordLimits): boolean {
  return key.length > 0 && key.length <= limits.maxKeyLength;
}

/**
 * A `features` or `outputs` object as its numeric map (numbers) then its categorical map
 * (strings, and booleans as `'true'`/`'false'`), `null` entries skipped, keys in the
 * object's own order.
 */
function valueMaps(w: RowBinaryWriter, value: unknown, maxEntries: number, limits: RecordLimits): boolean {
  if (value === undefined || value === null) {
    w.length32(0);
    w.length32(0);
    return true;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const map = value as Record<string, unknown>;
  const keys = Object.keys(map);
  if (keys.length > maxEntries) return false;
  let numbers = 0;
  let categories = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!keyFits(key, limits)) return false;
    const v = map[key];
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return false;
      numbers++;
    } else if (typeof v === 'string') {
      if (v.length > limits.maxStringLength) return false;
      categories++;
    } else if (typeof v === 'boolean') {
      categories++;
    } else if (v !== null) {
      return false;
    }
  }
  w.length32(numbers);
  for (let i = 0; numbers > 0 && i < keys.length; i++) {
    const v = map[keys[i]!];
    if (typeof v !== 'number') continue;
    w.string(keys[i]!);
    w.float64(v);
  }
  w.length32(categories);
  for (let i = 0; categories > 0 && i < keys.length; i++) {
    const v = map[keys[i]!];
    if (typeof v === 'string') {
      w.string(keys[i]!);
      w.string(v);
    } else if (typeof v === 'boolean') {
      w.string(keys[i]!);
      w.string(v ? 'true' : 'false');
    }
  }
  return true;
}

/** `attributes` as a string map: strings kept, finite numbers and booleans as text, `null` skipped. */
function attributes(w: RowBinaryWriter, value: unknown, limits: RecordLimits): boolean {
  if (value === undefined || value === null) {
    w.length32(0);
    return true;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const map = value as Record<string, unknown>;
  const keys = Object.keys(map);
  if (keys.length > limits.maxAttributes) return false;
  let entries = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = map[keys[i]!];
    if (!keyFits(keys[i]!, limits)) return false;
    if (typeof v === 'string') {
      if (v.length > limits.maxStringLength) return false;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return false;
    } else if (typeof v !== 'boolean' && v !== null) {
      return false;
    }
    if (v !== null) entries++;
  }
  w.length32(entries);
  for (let i = 0; i < keys.length; i++) {
    const v = map[keys[i]!];
    if (v === null) continue;
    w.string(keys[i]!);
    w.string(typeof v === 'string' ? v : String(v));
  }
  return true;
}
