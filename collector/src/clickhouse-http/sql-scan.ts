/**
 * A small lexer for ClickHouse SQL, enough for what an HTTP interface must know before the engine
 * parses a query: where a statement ends (one statement per request), where the data of an
 * `INSERT ... FORMAT <name>` begins, and the output format a `FORMAT` clause names. Strings,
 * quoted identifiers, heredocs and comments are skipped whole, so nothing inside them counts.
 */

/** One token: a word (keyword or identifier), a literal, or a punctuation character. */
export interface SqlToken {
  kind: 'word' | 'number' | 'string' | 'quoted' | 'heredoc' | 'punct';
  /** The token's text as written (a string keeps its quotes). */
  text: string;
  start: number;
  end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD = /[A-Za-z0-9_$\u0080-\uffff]/;
const SPACE = /[ \t\n\r\f\v]/;

/**
 * The tokens of `sql` from `from`, comments and whitespace skipped. An unterminated string or
 * comment ends the scan (the engine reports it).
 */
export function* sqlTokens(sql: string, from = 0): Generator<SqlToken> {
  let i = from;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    // `--`, and `# ` or `#!` (ClickHouse's lexer; a `#` before anything else is a syntax error).
    if ((c === '-' && sql[i + 1] === '-') || (c === '#' && (sql[i + 1] === ' ' || sql[i + 1] === '!'))) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      // ClickHouse's multi-line comments nest.
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') (depth++, (i += 2));
        else if (sql[i] === '*' && sql[i + 1] === '/') (depth--, (i += 2));
        else i++;
      }
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`') {
      i = quotedEnd(sql, i, c);
      yield { kind: c === "'" ? 'string' : 'quoted', text: sql.slice(start, i), start, end: i };
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z0-9_]*)\$/.exec(sql.slice(i, i + 64));
      const close = m ? sql.indexOf(m[0], i + m[0].length) : -1;
      if (m && close >= 0) {
        i = close + m[0].length;
        yield { kind: 'heredoc', text: sql.slice(start, i), start, end: i };
        continue;
      }
      // Without its closing tag, `$x$` is a name, as ClickHouse reads it.
      i++;
      while (i < n && WORD.test(sql[i]!)) i++;
      yield { kind: 'word', text: sql.slice(start, i), start, end: i };
      continue;
    }
    if (WORD_START.test(c)) {
      while (i < n && WORD.test(sql[i]!)) i++;
      yield { kind: 'word', text: sql.slice(start, i), start, end: i };
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9A-Za-z_.]/.test(sql[i]!)) {
        // An exponent's sign belongs to the number: 1e-5.
        if (/[eEpP]/.test(sql[i]!) && /[+-]/.test(sql[i + 1] ?? '')) i++;
        i++;
      }
      yield { kind: 'number', text: sql.slice(start, i), start, end: i };
      continue;
    }
    i++;
    yield { kind: 'punct', text: c, start, end: i };
  }
}

/** The end (past the closing quote) of a quoted string or identifier starting at `i`; a doubled quote and a backslash escape stay inside. */
function quotedEnd(sql: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j]!;
    if (c === '\\') j += 2;
    else if (c === quote) {
      if (sql[j + 1] === quote) j += 2;
      else return j + 1;
    } else j++;
  }
  return sql.length;
}

/** What an HTTP interface needs to know of one request's SQL. */
export interface StatementShape {
  /** The first keyword, upper case (`SELECT`, `INSERT`, `WITH`, `CREATE`, ...); empty for an empty query. */
  verb: string;
  /** Text after the first statement and its `;` that is not whitespace or comments: ClickHouse refuses it. */
  multiStatement: boolean;
  /**
   * An `INSERT ... FORMAT <name>`: the statement before `FORMAT` ends at `headEnd`, and its data
   * starts at `dataStart` (after the format name, spaces, tabs, and at most one line break, as
   * ClickHouse's parser has it).
   */
  insertFormat?: { headEnd: number; format: string; dataStart: number };
  /** The output format a `FORMAT` clause names (a query other than an INSERT with data). */
  outputFormat?: string;
  /** Index of the first top-level `SETTINGS` keyword of an INSERT before its `FORMAT`, if any. */
  insertSettingsAt?: number;
}

/**
 * The shape of `sql`. For an `INSERT ... FORMAT`, scanning stops where the data begins (the data
 * is never read as SQL). Indexes are of `sql`'s characters: scan bytes that may hold binary data
 * decoded as `latin1`, so that an index is a byte offset.
 */
export function statementShape(sql: string): StatementShape {
  let verb = '';
  let depth = 0;
  let previous: SqlToken | undefined;
  let outputFormat: string | undefined;
  let insertSettingsAt: number | undefined;
  const it = sqlTokens(sql);
  for (let next = it.next(); !next.done; next = it.next()) {
    const t = next.value;
    if (verb === '') {
      verb = t.kind === 'word' ? t.text.toUpperCase() : t.text;
      if (t.text === '(') depth++;
      previous = t;
      continue;
    }
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') depth = Math.max(0, depth - 1);
      else if (t.text === ';' && depth === 0) {
        const rest = it.next();
        const trailingSemicolons = (first: IteratorResult<SqlToken>): boolean => {
          for (let r = first; !r.done; r = it.next()) if (!(r.value.kind === 'punct' && r.value.text === ';')) return false;
          return true;
        };
        return { verb, multiStatement: !trailingSemicolons(rest), ...(outputFormat ? { outputFormat } : {}) };
      }
    }
    if (t.kind === 'word' && depth === 0) {
      const word = t.text.toUpperCase();
      if (verb === 'INSERT' && word === 'SETTINGS' && insertSettingsAt === undefined) insertSettingsAt = t.start;
      if (word === 'FORMAT' && !(previous?.kind === 'word' && previous.text.toUpperCase() === 'AS')) {
        const name = it.next();
        if (!name.done && (name.value.kind === 'word' || name.value.kind === 'quoted')) {
          const format = name.value.kind === 'quoted' ? name.value.text.slice(1, -1) : name.value.text;
          if (verb === 'INSERT') {
            return {
              verb,
              multiStatement: false,
              insertFormat: { headEnd: t.start, format, dataStart: dataStartAfter(sql, name.value.end) },
              ...(insertSettingsAt === undefined ? {} : { insertSettingsAt }),
            };
          }
          outputFormat = format;
          previous = name.value;
          continue;
        }
        if (!name.done) previous = name.value;
        continue;
      }
    }
    previous = t;
  }
  return { verb, multiStatement: false, ...(outputFormat ? { outputFormat } : {}) };
}

/** ClickHouse's rule for where INSERT data starts: past spaces, tabs and form feeds, then one `\r`, then one `\n`. */
function dataStartAfter(sql: string, i: number): number {
  while (i < sql.length && (sql[i] === ' ' || sql[i] === '\t' || sql[i] === '\f')) i++;
  if (sql[i] === '\r') i++;
  if (sql[i] === '\n') i++;
  return i;
}

/** True when `sql` has the words `words` one after the other (outside strings and comments), e.g. `INTO OUTFILE`. */
export function hasKeywordSequence(sql: string, words: readonly string[]): boolean {
  let matched = 0;
  for (const t of sqlTokens(sql)) {
    if (t.kind === 'word' && t.text.toUpperCase() === words[matched]) {
      if (++matched === words.length) return true;
    } else matched = t.kind === 'word' && t.text.toUpperCase() === words[0] ? 1 : 0;
  }
  return false;
}
