import { describe, expect, it } from 'vitest';
import { RowsRefusedError, StoreError, StoreInsertError } from '../errors.js';
import { classifyInsertFailure, insertFailureError } from './insert-failure.js';

/** An engine error as @clickhouse/client hands it over (code and type), wrapped by the store. */
const client = (message: string, code: number, type: string) =>
  new StoreError(`insert into t failed: ${message}`, Object.assign(new Error(message), { code: String(code), type }));
/** The same from chDB's own binding: its code in `code`, ClickHouse's in `clickhouseCode`, the type at the end of the message. */
const chdb = (message: string, code: number, type: string) =>
  new StoreError(`insert into t failed: ${message}`, Object.assign(new Error(`${message} (${type})`), { code: 'CHDB_QUERY', clickhouseCode: code }));

describe('classifyInsertFailure', () => {
  it('tells too many partitions (the rows) from too many parts (the engine behind), which share a code', () => {
    expect(classifyInsertFailure(client('Too many partitions for single INSERT block (more than 100). The limit is controlled by ...', 252, 'TOO_MANY_PARTS'))).toBe('content');
    expect(classifyInsertFailure(client('Too many parts (3001 with average size of 1.2 KiB) in table. Merges are processing significantly slower than inserts', 252, 'TOO_MANY_PARTS'))).toBe('unavailable');
    expect(classifyInsertFailure(chdb('Too many partitions for single INSERT block (more than 100)', 252, 'TOO_MANY_PARTS'))).toBe('content');
  });

  it('takes capacity, memory, disk, timeouts and replication for an unavailable store', () => {
    for (const [code, type] of [[241, 'MEMORY_LIMIT_EXCEEDED'], [243, 'NOT_ENOUGH_SPACE'], [159, 'TIMEOUT_EXCEEDED'], [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'], [242, 'TABLE_IS_READ_ONLY'], [999, 'KEEPER_EXCEPTION'], [210, 'NETWORK_ERROR']] as const) {
      expect(classifyInsertFailure(client('x', code, type)), type).toBe('unavailable');
      expect(classifyInsertFailure(chdb('x', code, type)), type).toBe('unavailable');
    }
    // A numeric code without a type name.
    expect(classifyInsertFailure(new StoreError('insert failed', Object.assign(new Error('x'), { code: '241' })))).toBe('unavailable');
  });

  it('takes a damaged part of the table (marks, checksums, missing files, compressed blocks) for damage, by code or by type', () => {
    for (const [code, type] of [[246, 'CORRUPTED_DATA'], [40, 'CHECKSUM_DOESNT_MATCH'], [226, 'NO_FILE_IN_DATA_PART'], [271, 'CANNOT_DECOMPRESS']] as const) {
      expect(classifyInsertFailure(client('x', code, type)), type).toBe('damaged');
      expect(classifyInsertFailure(chdb('x', code, type)), type).toBe('damaged');
    }
    // The rows' bytes and a stored part's file cut short share a code: the message tells which.
    const partRead =
      'Cannot read all data with readBig. Bytes read: 0. Bytes expected: 6000: (while reading column IngestKey): (while reading from part /data/store/116/116373ae/20261207_1_2_1/ in table default.predictions (116373ae) located on disk default of type local, from mark 0';
    expect(classifyInsertFailure(client(partRead, 33, 'CANNOT_READ_ALL_DATA'))).toBe('damaged');
    expect(classifyInsertFailure(chdb(partRead, 33, 'CANNOT_READ_ALL_DATA'))).toBe('damaged');
    expect(classifyInsertFailure(chdb('Cannot read all data. Bytes read: 3. Bytes expected: 8.: (at row 12)', 33, 'CANNOT_READ_ALL_DATA'))).toBe('content');
    const repairing = insertFailureError('predictions', 'damaged', chdb("Empty marks file '/d/skp_idx.cmrk4': 0, must be: 24", 246, 'CORRUPTED_DATA'));
    expect(repairing).toBeInstanceOf(StoreError);
    expect(repairing.statusCode).toBe(503);
    expect(repairing.message).toMatch(/^insert into predictions failed: Empty marks file .* damaged on disk and the collector is repairing it/);
  });

  it('takes parse, type and range errors for the rows\' content', () => {
    for (const [code, type] of [[33, 'CANNOT_READ_ALL_DATA'], [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'], [53, 'TYPE_MISMATCH'], [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'], [190, 'SIZES_OF_ARRAYS_DONT_MATCH'], [565, 'TOO_MANY_PARTITIONS']] as const) {
      expect(classifyInsertFailure(client('x', code, type)), type).toBe('content');
      expect(classifyInsertFailure(chdb('x', code, type)), type).toBe('content');
    }
  });

  it('takes failures that never reached the engine (connections, the spool file\'s disk, client timeouts) for an unavailable store', () => {
    const node = (code: string) => new StoreError('insert failed', Object.assign(new Error(`${code} something`), { code }));
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOSPC', 'EMFILE']) expect(classifyInsertFailure(node(code)), code).toBe('unavailable');
    expect(classifyInsertFailure(new StoreError('insert into t failed: Timeout error.', new Error('Timeout error.')))).toBe('unavailable');
    expect(classifyInsertFailure(new Error('socket hang up'))).toBe('unavailable');
  });

  it('leaves the rest unknown: a missing table, a syntax error, a plain Error', () => {
    expect(classifyInsertFailure(client('Table default.t does not exist', 60, 'UNKNOWN_TABLE'))).toBe('unknown');
    expect(classifyInsertFailure(chdb('Syntax error', 62, 'SYNTAX_ERROR'))).toBe('unknown');
    expect(classifyInsertFailure(new Error('disk full'))).toBe('unknown');
    expect(classifyInsertFailure(undefined)).toBe('unknown');
  });
});

describe('insertFailureError', () => {
  it('answers 503 + Retry-After, 400 or 500, keeping the engine\'s code, type and message', () => {
    const memory = client('Memory limit (total) exceeded', 241, 'MEMORY_LIMIT_EXCEEDED');
    expect(insertFailureError('t', 'unavailable', memory)).toBe(memory);
    const refused = insertFailureError('predictions', 'content', client('Cannot read all data', 33, 'CANNOT_READ_ALL_DATA'));
    expect(refused).toBeInstanceOf(RowsRefusedError);
    expect(refused).toMatchObject({ statusCode: 400, code: 'INGEST_ROWS_REFUSED', clickhouseCode: '33', clickhouseType: 'CANNOT_READ_ALL_DATA', retryAfterSeconds: undefined });
    expect(refused.message).toBe(
      "the store refused this request's rows for predictions: Cannot read all data. Nothing of them was stored (rows of other requests were); do not send them again unchanged",
    );
    const unknown = insertFailureError('t', 'unknown', client('Table default.t does not exist', 60, 'UNKNOWN_TABLE'));
    expect(unknown).toBeInstanceOf(StoreInsertError);
    expect(unknown).toMatchObject({ statusCode: 500, code: 'STORE_INSERT_FAILED', clickhouseType: 'UNKNOWN_TABLE', retryAfterSeconds: undefined });
    // An unavailable store's failure that is not already a StoreError becomes one.
    expect(insertFailureError('t', 'unavailable', new Error('socket hang up'))).toMatchObject({ statusCode: 503, retryAfterSeconds: 2 });
  });
});
