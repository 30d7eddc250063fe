import { describeValue } from './describe-value.js';

/**
 * Thrown inside the validators and caught at their entry point, which turns
 * it into `{ ok: false, field, message }`. Deliberately not an `Error`: no
 * stack trace is captured, so rejecting a bad record stays cheap.
 */
export class FieldError {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

/** Throws a `FieldError` saying `expected <expected>, got <value>`. */
export function fail(field: string, expected: string, value: unknown): never {
  throw new FieldError(field, `expected ${expected}, got ${describeValue(value)}`);
}
