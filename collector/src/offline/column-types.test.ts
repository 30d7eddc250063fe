import { describe, expect, it } from 'vitest';
import { DriftInputError } from './DriftInputError.js';
import { parseNumberCell, typeColumns } from './column-types.js';
import { parseCsv } from './read-csv.js';

const ref = (text: string) => parseCsv(text, 'ref.csv');
const cur = (text: string) => parseCsv(text, 'cur.csv');

describe('parseNumberCell', () => {
  it('takes decimal and scientific notation only', () => {
    expect(parseNumberCell(' -1.5e3 ')).toBe(-1500);
    expect(parseNumberCell('.5')).toBe(0.5);
    expect(parseNumberCell('7.')).toBe(7);
    for (const s of ['0x1f', 'Infinity', 'NaN', '1,5', 'abc', '', '1e999']) expect(parseNumberCell(s)).toBeUndefined();
  });
});

describe('typeColumns', () => {
  it('types by the reference: numbers are numerical, any text makes a column categorical; empty cells are missing', () => {
    const cols = typeColumns(ref('n,c\n1,a\n,2\n3,\n'), cur('c,n\nb,4\n,\n'), new Set());
    expect(cols).toEqual([
      { name: 'n', kind: 'numerical', reference: [1, null, 3], current: [4, null] },
      { name: 'c', kind: 'categorical', reference: ['a', '2', null], current: ['b', null] },
    ]);
  });

  it('makes a numeric column categorical when named, comparing the text as is', () => {
    const [col] = typeColumns(ref('code\n1\n2\n'), cur('code\n1.0\n2\n'), new Set(['code']));
    expect(col).toEqual({ name: 'code', kind: 'categorical', reference: ['1', '2'], current: ['1.0', '2'] });
  });

  it('lets the current decide when the reference column is entirely empty', () => {
    const [, col] = typeColumns(ref('a,b\n1,\n2,\n'), cur('a,b\n1,x\n2,\n'), new Set());
    expect(col.kind).toBe('categorical');
  });

  it('refuses a non-number in the current of a numerical column, naming file, line and column', () => {
    const run = () => typeColumns(ref('age,plan\n30,a\n40,b\n'), cur('age,plan\n30,"x\ny"\nforty,b\n'), new Set());
    expect(run).toThrow(DriftInputError);
    expect(run).toThrow('cur.csv:4: column "age": "forty" is not a number, but the column holds only numbers in ref.csv; pass --categorical age');
  });

  it('refuses features present in only one file', () => {
    expect(() => typeColumns(ref('a,b,c\n1,2,3\n'), cur('a\n1\n'), new Set())).toThrow(
      'cur.csv:1: columns "b", "c" of ref.csv are missing; both files need the same features.',
    );
    expect(() => typeColumns(ref('a\n1\n'), cur('a,z\n1,2\n'), new Set())).toThrow('cur.csv:1: column "z" is not in ref.csv');
  });

  it('refuses --categorical naming an unknown column', () => {
    expect(() => typeColumns(ref('a\n1\n'), cur('a\n1\n'), new Set(['b']))).toThrow('--categorical: no column "b" in ref.csv');
  });
});
