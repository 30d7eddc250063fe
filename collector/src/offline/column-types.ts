import type { FeatureKind } from '@inferlens/stats';
import type { CsvTable } from './read-csv.js';
import { DriftInputError } from './DriftInputError.js';

/** One feature's values from both files, typed. Missing cells are `null`. */
export type TypedColumn =
  | { name: string; kind: 'numerical'; reference: (number | null)[]; current: (number | null)[] }
  | { name: string; kind: 'categorical'; reference: (string | null)[]; current: (string | null)[] };

// Plain decimal or scientific notation. Number() alone would also take '0x1f', 'Infinity' and ' '.
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Whether a trimmed cell is missing (empty or whitespace only). */
export const isMissingCell = (cell: string): boolean => cell.trim() === '';

/** The cell as a finite number, or undefined when it is not one. */
export function parseNumberCell(cell: string): number | undefined {
  const t = cell.trim();
  if (!NUMBER.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

const columnList = (names: string[]) => `${names.length > 1 ? 'columns' : 'column'} ${names.map((n) => `"${n}"`).join(', ')}`;

function firstNonNumber(table: CsvTable, col: number): number {
  return table.rows.findIndex((row) => !isMissingCell(row[col]) && parseNumberCell(row[col]) === undefined);
}

/**
 * Decide each feature's kind and convert its cells.
 *
 * - The features are the reference's columns, in the reference's order. A column in one file
 *   but not the other is an error (`DRIFT_FEATURE_MISMATCH`), not a finding: the comparison
 *   would be incomplete, and a missing feature must not pass as "no drift".
 * - A column is categorical when named in `categorical`, or when the reference holds a
 *   non-number in it (or, if the reference's column is entirely empty, when the current does).
 *   Empty cells are missing values, never non-numbers.
 * - A non-number in the current file in a column that the reference makes numerical is an error
 *   naming the file, line and column (`DRIFT_COLUMN_TYPE`); name the column in `categorical`
 *   to compare it as categories.
 * - Categories are compared as the cells' exact text.
 */
export function typeColumns(reference: CsvTable, current: CsvTable, categorical: ReadonlySet<string>): TypedColumn[] {
  for (const name of categorical) {
    if (!reference.header.includes(name)) {
      throw new DriftInputError('DRIFT_USAGE', `--categorical: no column "${name}" in ${reference.file} (columns: ${reference.header.join(', ')}).`);
    }
  }
  const missingInCurrent = reference.header.filter((name) => !current.header.includes(name));
  if (missingInCurrent.length > 0) {
    throw new DriftInputError(
      'DRIFT_FEATURE_MISMATCH',
      `${current.file}:${current.headerLine}: ${columnList(missingInCurrent)} of ${reference.file} ${missingInCurrent.length > 1 ? 'are' : 'is'} missing; both files need the same features.`,
    );
  }
  const extraInCurrent = current.header.filter((name) => !reference.header.includes(name));
  if (extraInCurrent.length > 0) {
    throw new DriftInputError(
      'DRIFT_FEATURE_MISMATCH',
      `${current.file}:${current.headerLine}: ${columnList(extraInCurrent)} ${extraInCurrent.length > 1 ? 'are' : 'is'} not in ${reference.file}; both files need the same features.`,
    );
  }
  return reference.header.map((name, refCol): TypedColumn => {
    const curCol = current.header.indexOf(name);
    const refCells = reference.rows.map((row) => row[refCol]);
    const curCells = current.rows.map((row) => row[curCol]);
    let kind: FeatureKind = 'numerical';
    if (categorical.has(name) || firstNonNumber(reference, refCol) >= 0) kind = 'categorical';
    else if (refCells.every(isMissingCell) && firstNonNumber(current, curCol) >= 0) kind = 'categorical';
    if (kind === 'categorical') {
      const toCategory = (cell: string) => (isMissingCell(cell) ? null : cell);
      return { name, kind, reference: refCells.map(toCategory), current: curCells.map(toCategory) };
    }
    const bad = firstNonNumber(current, curCol);
    if (bad >= 0) {
      throw new DriftInputError(
        'DRIFT_COLUMN_TYPE',
        `${current.file}:${current.lines[bad]}: column "${name}": ${JSON.stringify(curCells[bad])} is not a number, but the column holds only numbers in ${reference.file}; pass --categorical ${name} to compare it as categories.`,
      );
    }
    const toNumber = (cell: string) => (isMissingCell(cell) ? null : parseNumberCell(cell)!);
    return { name, kind, reference: refCells.map(toNumber), current: curCells.map(toNumber) };
  });
}
