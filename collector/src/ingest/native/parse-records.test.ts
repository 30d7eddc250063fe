import { DEFAULT_RECORD_LIMITS } from '@inferlens/semconv';
import { describe, expect, it } from 'vitest';
import { TooManyRecordsError } from '../../errors.js';
import {
  InvalidBodyError,
  formatRecordError,
  parseRecordBody,
  type RecordError,
} from './parse-records.js';

const limits = DEFAULT_RECORD_LIMITS;
const p = (id: string, extra = ''): string => `{"predictionId":"${id}","model":"m"${extra}}`;
const ids = (records: Array<{ predictionId: string }>): string[] => records.map((r) => r.predictionId);

describe('parseRecordBody with NDJSON', () => {
  it('reads one record per line', () => {
    const result = parseRecordBody(`${p('a')}\n${p('b')}\n${p('c')}\n`, 'prediction', limits, 10);
    expect(ids(result.records)).toEqual(['a', 'b', 'c']);
    expect(result.rejected).toEqual([]);
    expect(result.total).toBe(3);
  });

  it('accepts \\r\\n, ignores blank lines and a missing final newline', () => {
    const body = `\r\n${p('a')}\r\n   \r\n\t\n${p('b')}`;
    const result = parseRecordBody(body, 'prediction', limits, 10);
    expect(ids(result.records)).toEqual(['a', 'b']);
    expect(result.total).toBe(2);
  });

  it('ignores a leading byte order mark', () => {
    expect(ids(parseRecordBody(`\ufeff${p('a')}`, 'prediction', limits, 10).records)).toEqual(['a']);
  });

  it('returns nothing for an empty or blank body', () => {
    expect(parseRecordBody('', 'prediction', limits, 10)).toEqual({ records: [], rejected: [], total: 0 });
    expect(parseRecordBody(' \n\r\n', 'feedback', limits, 10)).toEqual({ records: [], rejected: [], total: 0 });
  });

  it('rejects a line that is not valid JSON and keeps the others', () => {
    const body = [p('a'), '', p('b'), '{"predictionId": "c", oops}', p('d')].join('\n');
    const result = parseRecordBody(body, 'prediction', limits, 10);
    expect(ids(result.records)).toEqual(['a', 'b', 'd']);
    expect(result.total).toBe(4);
    expect(result.rejected).toHaveLength(1);
    const [error] = result.rejected as [RecordError];
    expect(error).toMatchObject({ index: 2, line: 4, field: '' });
    expect(formatRecordError(error)).toMatch(/^record 2: invalid JSON: \S/);
  });

  it('rejects a record that breaks a rule, with its index, line and field', () => {
    const body = [p('a'), '', p('b', ',"features":{"age":{"y":3}}'), p('c', ',"latencyMs":"abc"')].join('\r\n');
    const result = parseRecordBody(body, 'prediction', limits, 10);
    expect(ids(result.records)).toEqual(['a']);
    expect(result.rejected).toEqual([
      { index: 1, line: 3, field: 'features.age', message: 'expected number, string, boolean or null, got object' },
      { index: 2, line: 4, field: 'latencyMs', message: 'expected a non-negative number, got "abc"' },
    ]);
    expect(result.rejected.map(formatRecordError)).toEqual([
      'record 1: features.age: expected number, string, boolean or null, got object',
      'record 2: latencyMs: expected a non-negative number, got "abc"',
    ]);
  });

  it('rejects a line holding something other than an object', () => {
    const result = parseRecordBody(`${p('a')}\n[1,2]\n42\nnull`, 'prediction', limits, 10);
    expect(result.rejected.map(formatRecordError)).toEqual([
      'record 1: expected a JSON object, got array',
      'record 2: expected a JSON object, got 42',
      'record 3: expected a JSON object, got null',
    ]);
  });

  it('reads a single pretty-printed object as one record', () => {
    const body = JSON.stringify({ predictionId: 'a', model: 'm', features: { x: 1 } }, null, 2);
    const result = parseRecordBody(`\n${body}\n`, 'prediction', limits, 10);
    expect(ids(result.records)).toEqual(['a']);
    expect(result.total).toBe(1);
  });

  it('reports each broken line when a multi-line body is not one object', () => {
    const result = parseRecordBody('{\n"predictionId": "a"\n}\n{', 'prediction', limits, 10);
    expect(result.records).toEqual([]);
    expect(result.rejected.map((e) => [e.index, e.line])).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]]);
  });

  it('caps the message of an invalid line', () => {
    const result = parseRecordBody(`{${'x'.repeat(5000)}`, 'prediction', limits, 10);
    expect(result.rejected[0]!.message.length).toBeLessThanOrEqual('invalid JSON: '.length + 203);
  });

  it('throws TooManyRecordsError past maxRecords, counting invalid lines but not blank ones', () => {
    const three = `${p('a')}\n\n\nnot json\n${p('c')}\n\n`;
    expect(parseRecordBody(three, 'prediction', limits, 3).total).toBe(3);
    let thrown: unknown;
    try {
      parseRecordBody(`${three}${p('d')}`, 'prediction', limits, 3);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TooManyRecordsError);
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({
      code: 'INGEST_TOO_MANY_RECORDS',
      statusCode: 413,
      maxRecords: 3,
      name: 'TooManyRecordsError',
      message: 'the body holds more than 3 records; send at most 3 per request',
    });
  });
});

describe('parseRecordBody with a JSON array', () => {
  it('reads each element as a record, without line numbers', () => {
    const body = `  \n[${p('a')},\n {"predictionId":"b"},\n ${p('c')}]`;
    const result = parseRecordBody(body, 'prediction', limits, 10);
    expect(ids(result.records)).toEqual(['a', 'c']);
    expect(result.rejected).toEqual([{ index: 1, field: 'model', message: 'required' }]);
    expect(formatRecordError(result.rejected[0]!)).toBe('record 1: model: required');
    expect(result.total).toBe(3);
  });

  it('rejects elements that are not objects', () => {
    const result = parseRecordBody('[1, "x", null]', 'feedback', limits, 10);
    expect(result.rejected.map(formatRecordError)).toEqual([
      'record 0: expected a JSON object, got 1',
      'record 1: expected a JSON object, got "x"',
      'record 2: expected a JSON object, got null',
    ]);
  });

  it('accepts an empty array', () => {
    expect(parseRecordBody('[]', 'prediction', limits, 10)).toEqual({ records: [], rejected: [], total: 0 });
  });

  it('refuses the whole body when the array is not valid JSON', () => {
    expect(() => parseRecordBody(`[${p('a')},`, 'prediction', limits, 10)).toThrow(InvalidBodyError);
    try {
      parseRecordBody(`[${p('a')}]\n[${p('b')}]`, 'prediction', limits, 10);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'INGEST_INVALID_BODY', statusCode: 400, name: 'InvalidBodyError' });
      expect((error as Error).message).toMatch(/^the body starts with "\[" but is not a valid JSON array: /);
    }
  });

  it('throws TooManyRecordsError past maxRecords', () => {
    const body = JSON.stringify([1, 2, 3]);
    expect(parseRecordBody(body, 'prediction', limits, 3).total).toBe(3);
    expect(() => parseRecordBody(body, 'prediction', limits, 2)).toThrow(TooManyRecordsError);
  });
});

describe('parseRecordBody kinds and limits', () => {
  it('validates feedback records with the feedback rules', () => {
    const body = '{"predictionId":"a","label":"yes"}\n{"predictionId":"b","value":2.5}\n{"predictionId":"c"}';
    const result = parseRecordBody(body, 'feedback', limits, 10);
    expect(result.records.map((r) => [r.predictionId, r.label, r.value])).toEqual([
      ['a', 'yes', undefined],
      ['b', undefined, 2.5],
    ]);
    expect(result.rejected.map(formatRecordError)).toEqual([
      'record 2: label: expected exactly one of label or value, got neither',
    ]);
  });

  it('passes the limits to the validator', () => {
    const small = { ...limits, maxFeatures: 1 };
    const result = parseRecordBody(p('a', ',"features":{"x":1,"y":2}'), 'prediction', small, 10);
    expect(result.rejected.map(formatRecordError)).toEqual(['record 0: features: expected at most 1 entries, got 2']);
  });
});
