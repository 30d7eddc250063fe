import { DEFAULT_BATCH_OPTIONS as D } from '../store/InsertBatcher.js';
import { Count, Section } from './setting.js';

/** `batch:`: how rows wait and are grouped before an insert; the defaults are the batcher's own. */
export const BatchSection = Section(
  {
    maxRows: Count({ env: 'INFERLENS_BATCH_MAX_ROWS', default: D.maxRows, description: 'rows per insert' }),
    maxBytes: Count({ env: 'INFERLENS_BATCH_MAX_BYTES', default: D.maxBytes, description: 'serialised rows per insert (bytes of RowBinary; UTF-16 units of JSON in server mode)' }),
    maxDelayMs: Count({ env: 'INFERLENS_BATCH_MAX_DELAY_MS', default: D.maxDelayMs, description: 'longest wait before a batch is inserted, in milliseconds' }),
    maxConcurrentInserts: Count({ env: 'INFERLENS_BATCH_MAX_CONCURRENT_INSERTS', default: D.maxConcurrentInserts, description: 'inserts in flight per table; in the embedded store a batch of `predictions` or `otel_traces` holding a request an insert in progress holds (a retry) waits for it' }),
    maxPendingRows: Count({ env: 'INFERLENS_BATCH_MAX_PENDING_ROWS', default: D.maxPendingRows, description: 'rows waiting above which requests get 503 + Retry-After' }),
  },
  'insert batching, per table',
);
