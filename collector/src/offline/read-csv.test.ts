import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DriftInputError } from './DriftInputError.js';
import { parseCsv, readCsv } from './read-csv.js';

function errorOf(fn: () => unknown): DriftInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DriftInputError);
    return err as DriftInputError;
  }
  throw new Error('expected a DriftInputError');
}

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and counts lines from the record start', () => {
    const t = parseCsv('a,b\n1,"x, y"\n2,"say ""hi"""\n3,"two\nlines"\n4,z\n', 'f.csv');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([['1', 'x, y'], ['2', 'say "hi"'], ['3', 'two\nlines'], ['4', 'z']]);
    expect(t.lines).toEqual([2, 3, 4, 6]);
  });

  it('drops a BOM, takes CRLF and CR line ends, counts an embedded CRLF as one line', () => {
    const t = parseCsv('\uFEFFa,b\r\n1,"x\r\ny"\r\n2,z\r\n', 'f.csv');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([['1', 'x\r\ny'], ['2', 'z']]);
    expect(t.lines).toEqual([2, 4]);
    expect(parseCsv('a,b\r1,2\r3,4', 'f.csv').lines).toEqual([2, 3]);
  });

  it('skips blank lines but keeps their line numbers, and keeps empty cells', () => {
    const t = parseCsv('a,b\n\n1,\n\n,2\n', 'f.csv');
    expect(t.rows).toEqual([['1', ''], ['', '2']]);
    expect(t.lines).toEqual([3, 5]);
  });

  it('refuses ragged rows with file and line', () => {
    const e = errorOf(() => parseCsv('a,b\n1,2\n"x\ny",2,3\n', 'cur.csv'));
    expect(e.code).toBe('DRIFT_CSV_RAGGED');
    expect(e.message).toBe('cur.csv:3: expected 2 fields as in the header, got 3.');
  });

  it('refuses an unclosed quote at the line where the record starts', () => {
    const e = errorOf(() => parseCsv('a,b\n1,2\n3,"4\n5,6\n', 'cur.csv'));
    expect(e.code).toBe('DRIFT_CSV_MALFORMED');
    expect(e.message).toMatch(/^cur\.csv:3: Quote Not Closed/);
  });

  it('refuses an empty file, a header without rows, empty and duplicate column names', () => {
    expect(errorOf(() => parseCsv('', 'f.csv')).message).toMatch(/^f\.csv:1: the file is empty/);
    expect(errorOf(() => parseCsv('a,b\n', 'f.csv')).message).toBe('f.csv:2: no data rows after the header.');
    expect(errorOf(() => parseCsv('a,,c\n1,2,3\n', 'f.csv')).message).toMatch(/^f\.csv:1: column 2 has an empty name/);
    expect(errorOf(() => parseCsv('a,b,a\n1,2,3\n', 'f.csv')).message).toMatch(/^f\.csv:1: column "a" appears twice \(columns 1 and 3\)/);
  });
});

describe('readCsv', () => {
  it('names the file when it cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inferlens-csv-'));
    expect(errorOf(() => readCsv(join(dir, 'nope.csv'))).message).toBe(`${join(dir, 'nope.csv')}: cannot read: no such file.`);
    expect(errorOf(() => readCsv(dir)).code).toBe('DRIFT_FILE_UNREADABLE');
    writeFileSync(join(dir, 'ok.csv'), 'x\n1\n');
    expect(readCsv(join(dir, 'ok.csv')).rows).toEqual([['1']]);
  });
});
