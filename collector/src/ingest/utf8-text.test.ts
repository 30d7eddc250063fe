import { describe, expect, it } from 'vitest';
import { DEFAULT_RECORD_LIMITS } from '@inferlens/semconv';
import { ILL_FORMED_UTF8 as ILL_FORMED } from '../../../test/helpers/ill-formed-utf8.js';
import { rng } from '../../../test/helpers/random.js';
import { PREDICTIONS } from '../store/schema/predictions.js';
import { encodeRows } from '../store/schema/TableDefinition.js';
import { parseRecordBody } from './native/parse-records.js';
import { transcodePredictions } from './native/predictions-rowbinary.js';
import { predictionToRow } from './native/to-rows.js';
import { utf8Text } from './utf8-text.js';

// The collector's one rule for text that is not valid UTF-8 (see utf8-text.ts): each maximal
// ill-formed subsequence becomes one U+FFFD, as the WHATWG decoder does. The OTLP paths are
// checked in otlp/invalid-utf8.test.ts, storage in test/e2e.

const bytes = (...parts: Array<string | readonly number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('utf8Text', () => {
  it.each(ILL_FORMED)('replaces $what with U+FFFD as the WHATWG decoder does', ({ sequence, text }) => {
    const buf = bytes('a', sequence, 'b');
    expect(utf8Text(buf)).toBe(text);
    expect(utf8Text(buf)).toBe(new TextDecoder('utf-8').decode(buf));
    expect(utf8Text(bytes('xx', 'a', sequence, 'b', 'yy'), 2, 2 + buf.length)).toBe(text);
  });

  it('keeps valid text, a U+FFFD that was sent included, unchanged', () => {
    for (const s of ['', 'plain', 'é 漢字 🙂', 'already \ufffd replaced', '\u0000nul']) expect(utf8Text(Buffer.from(s, 'utf8'))).toBe(s);
  });

  it('agrees with TextDecoder on random bytes, and never swallows an ASCII byte', () => {
    const { uniform } = rng(13);
    const pool = [0x22, 0x5c, 0x7b, 0x61, 0x80, 0xbf, 0xc2, 0xc3, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0xbd];
    const decoder = new TextDecoder('utf-8');
    for (let i = 0; i < 5000; i++) {
      const buf = Buffer.from(Array.from({ length: 1 + Math.floor(uniform() * 12) }, () => pool[Math.floor(uniform() * pool.length)]!));
      const text = utf8Text(buf);
      expect(text).toBe(decoder.decode(buf));
      const ascii = [...buf].filter((b) => b < 0x80).map((b) => String.fromCharCode(b)).join('');
      expect([...text].filter((c) => c.charCodeAt(0) < 0x80).join('')).toBe(ascii);
      expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text); // well-formed: no lone surrogate
    }
  });
});

describe('NDJSON predictions with ill-formed UTF-8 in strings', () => {
  // The plugin decodes the body with utf8Text, then either path runs on the text: both must
  // accept the records and write the same bytes, with U+FFFD where the bytes were ill-formed.
  const receivedAt = 1_700_000_000_000_000_000n;

  it.each(ILL_FORMED)('stores $what as U+FFFD on both paths', ({ sequence, text }) => {
    const lines = [
      // The common shape (fast path): an epoch-ms timestamp.
      bytes('{"predictionId":"p-1","model":"', 'a', sequence, 'b', '","timestamp":1700000000000,"features":{"city":"', 'a', sequence, 'b', '"}}'),
      // Another shape (row path): an ISO timestamp, an invalid key.
      bytes('{"predictionId":"p-2","model":"m","timestamp":"2023-11-14T22:13:20Z","features":{"', 'a', sequence, 'b', '":1}}'),
    ];
    const body = utf8Text(Buffer.concat([lines[0]!, Buffer.from('\n'), lines[1]!]));
    const fast = transcodePredictions(body, DEFAULT_RECORD_LIMITS, 100, receivedAt, undefined);
    const parsed = parseRecordBody(body, 'prediction', DEFAULT_RECORD_LIMITS, 100);
    expect(fast.rejected).toEqual([]);
    expect(parsed.rejected).toEqual([]);
    const rows = parsed.records.map((r) => predictionToRow(r, receivedAt, undefined));
    expect(rows[0]!.ModelName).toBe(text);
    expect(rows[0]!.CategoricalFeatures).toEqual({ city: text });
    expect(rows[1]!.NumericFeatures).toEqual({ [text]: 1 });
    expect(fast.slowRecords).toBe(1);
    expect(fast.rows.equals(encodeRows(PREDICTIONS, rows))).toBe(true);
  });
});
