/**
 * Ill-formed UTF-8 sequences and the text each must become between `a` and `b` (`a`, the bytes,
 * `b`): one U+FFFD per maximal ill-formed subsequence, as the WHATWG decoder gives (see
 * collector/src/ingest/utf8-text.ts).
 */
export const ILL_FORMED_UTF8: ReadonlyArray<{ what: string; sequence: readonly number[]; text: string }> = [
  { what: 'a byte that never occurs in UTF-8', sequence: [0xff], text: 'a\ufffdb' },
  { what: 'a lone continuation byte', sequence: [0x80], text: 'a\ufffdb' },
  { what: 'a lead byte followed by ASCII', sequence: [0xc3, 0x28], text: 'a\ufffd(b' },
  { what: 'a 3-byte sequence cut short', sequence: [0xe2, 0x82], text: 'a\ufffdb' },
  { what: 'a 4-byte sequence cut short', sequence: [0xf0, 0x9f, 0x98], text: 'a\ufffdb' },
  { what: 'an overlong encoding of "/"', sequence: [0xc0, 0xaf], text: 'a\ufffd\ufffdb' },
  { what: 'an encoded surrogate (CESU-8)', sequence: [0xed, 0xa0, 0x80], text: 'a\ufffd\ufffd\ufffdb' },
  { what: 'a code point above U+10FFFF', sequence: [0xf4, 0x90, 0x80, 0x80], text: 'a\ufffd\ufffd\ufffd\ufffdb' },
];

/** `a`, the ill-formed `sequence`, `b`, as bytes. */
export function aSequenceB(sequence: readonly number[]): Buffer {
  return Buffer.from([0x61, ...sequence, 0x62]);
}
