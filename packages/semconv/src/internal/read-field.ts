import type { RecordLimits } from '../limits.js';
import { describeValue, entryPath } from './describe-value.js';
import { FieldError, fail } from './field-error.js';

/**
 * Field readers shared by the prediction and feedback validators. Each one
 * returns the normalized value or throws a `FieldError`. For optional fields,
 * `undefined` and `null` both mean "not given".
 */

/** True for a plain JSON object (not `null`, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A required non-empty string of at most `maxLength` characters. */
export function readRequiredString(value: unknown, field: string, maxLength: number): string {
  if (value === undefined || value === null) throw new FieldError(field, 'required');
  if (typeof value !== 'string' || value.length === 0) {
    fail(field, `a non-empty string of at most ${maxLength} characters`, value);
  }
  checkStringLength(value, field, maxLength);
  return value;
}

/** An optional string of at most `maxLength` characters; absent, `null` or '' give `fallback`. */
export function readOptionalString(
  value: unknown,
  field: string,
  maxLength: number,
  fallback: string,
): string {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'string') fail(field, 'a string', value);
  checkStringLength(value, field, maxLength);
  return value;
}

/** An optional finite number `>= 0`. */
export function readNonNegativeNumber(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    fail(field, 'a non-negative number', value);
  }
  return value;
}

/** An optional non-negative safe integer (a count). */
export function readCount(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(field, 'a non-negative integer', value);
  }
  return value;
}

/** An optional hex id of `length` characters, not all zero, returned lowercase; '' when not given. */
export function readHexId(value: unknown, field: string, length: number, pattern: RegExp): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string' || value.length !== length || !pattern.test(value)) {
    fail(field, `${length} hex characters, not all zero, or ""`, value);
  }
  return value.toLowerCase();
}

/**
 * Reads a feature or output map into `numeric` and `categorical`: numbers to
 * `numeric`, strings and booleans to `categorical`, `null` skipped.
 */
export function readValueMap(
  value: unknown,
  field: string,
  maxEntries: number,
  limits: RecordLimits,
  numeric: Record<string, number>,
  categorical: Record<string, string>,
): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) fail(field, 'an object', value);
  const keys = Object.keys(value);
  if (keys.length > maxEntries) {
    throw new FieldError(field, `expected at most ${maxEntries} entries, got ${keys.length}`);
  }
  for (const key of keys) {
    checkKey(key, field, limits.maxKeyLength);
    const entry = value[key];
    switch (typeof entry) {
      case 'number':
        if (!Number.isFinite(entry)) fail(entryPath(field, key), 'a finite number', entry);
        setEntry(numeric, key, entry);
        break;
      case 'string':
        checkStringLength(entry, entryPath(field, key), limits.maxStringLength);
        setEntry(categorical, key, entry);
        break;
      case 'boolean':
        setEntry(categorical, key, entry ? 'true' : 'false');
        break;
      default:
        if (entry !== null) fail(entryPath(field, key), 'number, string, boolean or null', entry);
    }
  }
}

/** Reads a free attribute map: strings kept, finite numbers and booleans stringified, `null` skipped. */
export function readAttributes(
  value: unknown,
  field: string,
  limits: RecordLimits,
): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (value === undefined || value === null) return attributes;
  if (!isObject(value)) fail(field, 'an object', value);
  const keys = Object.keys(value);
  if (keys.length > limits.maxAttributes) {
    throw new FieldError(field, `expected at most ${limits.maxAttributes} entries, got ${keys.length}`);
  }
  for (const key of keys) {
    checkKey(key, field, limits.maxKeyLength);
    const entry = value[key];
    switch (typeof entry) {
      case 'string':
        checkStringLength(entry, entryPath(field, key), limits.maxStringLength);
        setEntry(attributes, key, entry);
        break;
      case 'number':
        if (!Number.isFinite(entry)) fail(entryPath(field, key), 'a finite number', entry);
        setEntry(attributes, key, String(entry));
        break;
      case 'boolean':
        setEntry(attributes, key, entry ? 'true' : 'false');
        break;
      default:
        if (entry !== null) fail(entryPath(field, key), 'string, number, boolean or null', entry);
    }
  }
  return attributes;
}

/** Throws unless `value` is at most `maxLength` characters long. */
export function checkStringLength(value: string, field: string, maxLength: number): void {
  if (value.length > maxLength) {
    throw new FieldError(
      field,
      `expected a string of at most ${maxLength} characters, got ${value.length} characters`,
    );
  }
}

function checkKey(key: string, field: string, maxKeyLength: number): void {
  if (key.length === 0) fail(field, 'non-empty keys', key);
  if (key.length > maxKeyLength) {
    throw new FieldError(
      field,
      `expected keys of at most ${maxKeyLength} characters, got a key of ${key.length} characters: ${describeValue(key)}`,
    );
  }
}

/**
 * Plain assignment of `__proto__` would set the object's prototype instead of
 * adding a key; JSON input may well contain that key, so define it instead.
 */
function setEntry<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
