import { CollectorError } from '../errors.js';
import type { ErrorCode } from '../http/error-codes.js';

/** Stable codes of {@link DriftInputError}: the registry's `DRIFT_*` codes. */
export type DriftInputErrorCode = Extract<ErrorCode, `DRIFT_${string}`>;

/**
 * Bad input to `inferlens drift`: a usage error, or a file that cannot be read or compared.
 * The message starts with `file:line:` (and names the column where one is at fault), so an
 * editor or a CI log can jump to it. The CLI prints the message and exits 2.
 */
export class DriftInputError extends CollectorError {
  declare readonly code: DriftInputErrorCode;

  constructor(code: DriftInputErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
