import { CollectorError } from '../errors.js';

/** Stable codes of {@link DriftInputError}. */
export type DriftInputErrorCode =
  | 'DRIFT_USAGE'
  | 'DRIFT_FILE_UNREADABLE'
  | 'DRIFT_CSV_MALFORMED'
  | 'DRIFT_CSV_RAGGED'
  | 'DRIFT_CSV_HEADER'
  | 'DRIFT_CSV_NO_ROWS'
  | 'DRIFT_COLUMN_TYPE'
  | 'DRIFT_FEATURE_MISMATCH';

/**
 * Bad input to `inferlens drift`: a usage error, or a file that cannot be read or compared.
 * The message starts with `file:line:` (and names the column where one is at fault), so an
 * editor or a CI log can jump to it. The CLI prints the message and exits 2.
 */
export class DriftInputError extends CollectorError {
  declare readonly code: DriftInputErrorCode;

  constructor(code: DriftInputErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, 400, message, options);
  }
}
