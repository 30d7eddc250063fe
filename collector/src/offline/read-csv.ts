import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DriftInputError } from './DriftInputError.js';

/** A CSV file read into memory: the header and the data rows, with the line each row starts on. */
export interface CsvTable {
  /** The file as named by the user; used in every message about it. */
  file: string;
  /** Column names from the first record. */
  header: string[];
  /** 1-based line of the header. */
  headerLine: number;
  /** Data records, each with `header.length` fields. */
  rows: string[][];
  /** 1-based line on which each row of `rows` starts (a quoted field may span lines). */
  lines: number[];
}

/** Line breaks in a record's raw text: CRLF, LF or a lone CR each count once. */
function countLineBreaks(raw: string): number {
  return raw.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/**
 * Parse CSV text (RFC 4180 as `csv-parse` reads it: quoted fields with embedded commas, quotes
 * and line breaks; LF, CRLF or CR line ends; a leading UTF-8 BOM is dropped). The first
 * record is the header. Blank lines are skipped. Throws {@link DriftInputError} naming the file
 * and line for malformed quoting, ragged rows (a record whose field count differs from the
 * header's), an empty or duplicated column name, and a file without data rows.
 *
 * @example
 * ```ts
 * parseCsv('a,b\n1,"x, y"\n', 'in.csv'); // { header: ['a', 'b'], headerLine: 1, rows: [['1', 'x, y']], lines: [2] }
 * ```
 */
export function parseCsv(text: string, file: string): CsvTable {
  const records: string[][] = [];
  const lines: number[] = [];
  // csv-parse's own line count counts a CRLF inside a quoted field twice, so the start line
  // of every record is counted here from its raw text.
  let nextLine = 1;
  try {
    parse(text, {
      bom: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: false,
      // With `raw: true` each record arrives as { record, raw }; the typings do not model that.
      on_record: (value: string[]) => {
        const { record, raw } = value as unknown as { record: string[]; raw: string };
        const line = nextLine;
        nextLine += countLineBreaks(raw);
        const blank = record.length === 1 && record[0] === '' && raw.trim() === '';
        if (!blank) {
          records.push(record);
          lines.push(line);
        }
        return null;
      },
    });
  } catch (err) {
    const reason = (err as Error).message.replace(/\s+(at|on) line \d+.*$/s, '');
    throw new DriftInputError('DRIFT_CSV_MALFORMED', `${file}:${nextLine}: ${reason}; fix the quoting of this record.`, { cause: err });
  }
  if (records.length === 0) {
    throw new DriftInputError('DRIFT_CSV_HEADER', `${file}:1: the file is empty; expected a header line naming the features.`);
  }
  const header = records[0];
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name.trim() === '') {
      throw new DriftInputError('DRIFT_CSV_HEADER', `${file}:${lines[0]}: column ${i + 1} has an empty name; every column needs a feature name.`);
    }
    if (seen.has(name)) {
      throw new DriftInputError('DRIFT_CSV_HEADER', `${file}:${lines[0]}: column "${name}" appears twice (columns ${seen.get(name)! + 1} and ${i + 1}).`);
    }
    seen.set(name, i);
  });
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== header.length) {
      throw new DriftInputError(
        'DRIFT_CSV_RAGGED',
        `${file}:${lines[r]}: expected ${header.length} fields as in the header, got ${records[r].length}.`,
      );
    }
  }
  if (records.length === 1) {
    throw new DriftInputError('DRIFT_CSV_NO_ROWS', `${file}:${lines[0] + 1}: no data rows after the header.`);
  }
  return { file, header, headerLine: lines[0], rows: records.slice(1), lines: lines.slice(1) };
}

/**
 * Read and parse a CSV file with {@link parseCsv}. Throws {@link DriftInputError}
 * (`DRIFT_FILE_UNREADABLE`) when the file cannot be read.
 */
export function readCsv(file: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new DriftInputError('DRIFT_FILE_UNREADABLE', `${file}: cannot read: ${why}.`, { cause: err });
  }
  return parseCsv(text, file);
}
