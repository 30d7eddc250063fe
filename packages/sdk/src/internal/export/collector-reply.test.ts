import { describe, expect, it } from 'vitest';
import { parseCollectorReply, rejectedWarning } from './collector-reply.js';

describe('the collector reply', () => {
  it('reads accepted, rejected and the errors', () => {
    expect(parseCollectorReply('{"accepted":510,"rejected":2,"errors":["record 3: model: required","record 9: x"]}')).toEqual({
      accepted: 510,
      rejected: 2,
      errors: ['record 3: model: required', 'record 9: x'],
    });
    expect(parseCollectorReply('{"accepted":2}')).toEqual({ accepted: 2, rejected: 0, errors: [] });
  });

  it('is undefined for a body that is not a JSON object, and never throws', () => {
    for (const text of ['', '{}}', 'null', '[1]', '"ok"', 'OK']) expect(parseCollectorReply(text)).toBeUndefined();
  });

  it('calls for one warning when records were rejected, with the first three reasons', () => {
    const reply = parseCollectorReply('{"accepted":0,"rejected":4,"errors":["a","b","c","d"]}');
    expect(rejectedWarning(reply)).toBe('collector rejected 4 records: a; b; c');
    expect(rejectedWarning(parseCollectorReply('{"accepted":3,"rejected":0,"errors":[]}'))).toBeUndefined();
    expect(rejectedWarning(undefined)).toBeUndefined();
  });
});
