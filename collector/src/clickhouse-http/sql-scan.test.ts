import { describe, expect, it } from 'vitest';
import { hasKeywordSequence, sqlTokens, statementShape } from './sql-scan.js';

describe('statementShape', () => {
  it('finds where the data of INSERT ... FORMAT starts, as ClickHouse does: past blanks and one line break', () => {
    const sql = 'INSERT INTO t (a, b) FORMAT RowBinary \t\n\n\x0a\x20rest';
    const shape = statementShape(sql);
    expect(shape.verb).toBe('INSERT');
    expect(shape.insertFormat).toEqual({ headEnd: sql.indexOf('FORMAT'), format: 'RowBinary', dataStart: sql.indexOf('\n') + 1 });
    // Binary data that looks like SQL is never scanned.
    expect(statementShape("insert into t format JSONEachRow {\"a\":\"'\"}; DROP TABLE t").insertFormat?.format).toBe('JSONEachRow');
    expect(statementShape('INSERT INTO t SETTINGS async_insert = 1 FORMAT CSV\r\n1,2').insertSettingsAt).toBe(14);
  });

  it('keeps FORMAT and ; inside strings, quoted names, heredocs and comments out of the way', () => {
    expect(statementShape("SELECT 'FORMAT x; y' AS `FORMAT`, $$;$$ -- FORMAT z;\n/* ; /* nested ; */ FORMAT w */ FROM t").outputFormat).toBeUndefined();
    expect(statementShape("SELECT 'a;b' FORMAT JSONEachRow").outputFormat).toBe('JSONEachRow');
    expect(statementShape('SELECT x AS format FROM t').outputFormat).toBeUndefined();
    expect(statementShape('SELECT format(\'{}\', 1) FORMAT TSV').outputFormat).toBe('TSV');
  });

  it('tells one statement (with trailing semicolons) from several', () => {
    expect(statementShape('SELECT 1;').multiStatement).toBe(false);
    expect(statementShape('SELECT 1;;  -- done\n').multiStatement).toBe(false);
    expect(statementShape('SELECT 1; SELECT 2').multiStatement).toBe(true);
    expect(statementShape("SELECT ';'; DROP TABLE t").multiStatement).toBe(true);
    expect(statementShape('SELECT (1; 2)').multiStatement).toBe(false);
    expect(statementShape('').verb).toBe('');
  });

  it('finds keyword sequences outside strings only', () => {
    expect(hasKeywordSequence("SELECT 1 INTO  OUTFILE 'x'", ['INTO', 'OUTFILE'])).toBe(true);
    expect(hasKeywordSequence("SELECT 'into outfile'", ['INTO', 'OUTFILE'])).toBe(false);
    expect(hasKeywordSequence('INSERT INTO t FROM /* c */ INFILE', ['FROM', 'INFILE'])).toBe(true);
    expect(hasKeywordSequence('SELECT from_infile FROM t', ['FROM', 'INFILE'])).toBe(false);
  });

  it("reads '# ' comments and an unclosed $x$ as ClickHouse does", () => {
    expect(statementShape('SELECT 1 # `\n; SELECT 2').multiStatement).toBe(true);
    expect(statementShape('SELECT 1 #! `\n; SELECT 2').multiStatement).toBe(true);
    expect(statementShape('SELECT 1 AS $x$; SELECT 2').multiStatement).toBe(true);
    expect(hasKeywordSequence("SELECT 1 AS $x$, 'a' INTO OUTFILE 'f'", ['INTO', 'OUTFILE'])).toBe(true);
    expect([...sqlTokens('SELECT $x$ ; $x$, $y$')].map((t) => t.kind)).toEqual(['word', 'heredoc', 'punct', 'word']);
  });

  it('tokenises numbers with exponents, and stops at an unterminated string', () => {
    expect([...sqlTokens("1e-5 + 0x1F 'abc")].map((t) => t.text)).toEqual(['1e-5', '+', '0x1F', "'abc"]);
  });
});
