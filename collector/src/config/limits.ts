import type { Static } from 'typebox';
import { Count, Section } from './setting.js';

/** `limits:`: what one ingestion request may hold. */
export const LimitsSection = Section(
  {
    maxBodyBytes: Count({ env: 'INFERLENS_MAX_BODY_BYTES', default: 16 * 1024 * 1024, description: 'largest request body as received (compressed when gzip), in bytes' }),
    maxDecompressedBytes: Count({ env: 'INFERLENS_MAX_DECOMPRESSED_BYTES', default: 64 * 1024 * 1024, description: 'largest body after gzip decompression, in bytes; inflation stops there' }),
    maxRecordsPerRequest: Count({ env: 'INFERLENS_MAX_RECORDS_PER_REQUEST', default: 100_000, description: 'most spans, log records, predictions or feedback records in one request' }),
    maxEventAgeSeconds: Count({
      env: 'INFERLENS_MAX_EVENT_AGE_SECONDS',
      default: 366 * 86_400,
      description: "oldest event time accepted, in seconds before the collector's clock; an older record is rejected alone (each day of event time is a partition of its own; see [HTTP API](http-api.md))",
    }),
    maxEventAheadSeconds: Count({
      env: 'INFERLENS_MAX_EVENT_AHEAD_SECONDS',
      default: 3600,
      description: "latest event time accepted, in seconds after the collector's clock (room for clock skew); a later record is rejected alone",
    }),
    maxBytesInFlight: Count({
      env: 'INFERLENS_MAX_BYTES_IN_FLIGHT',
      default: 64 * 1024 * 1024,
      description:
        'admission control: bytes of ingestion bodies being read or decoded plus rows waiting for storage, in bytes; a request whose `Content-Length` would pass it gets 503 `INGEST_SATURATED` with Retry-After before its body is read (see [HTTP API](http-api.md#overload-and-slow-clients))',
    }),
    maxQueueWaitMs: Count({
      env: 'INFERLENS_MAX_QUEUE_WAIT_MS',
      default: 6_000,
      description:
        'admission control by expected wait, in milliseconds: a request that would wait longer for its answer (the bytes admitted and not yet answered, at the rate answers went out recently) gets 503 `INGEST_SATURATED` with Retry-After before its body is read, and rows of an admitted request that would still wait for an insert past it are refused the same way (nothing of them stored); 0 turns both off (see [HTTP API](http-api.md#overload-and-slow-clients))',
    }),
    requestTimeoutMs: Count({
      env: 'INFERLENS_REQUEST_TIMEOUT_MS',
      default: 30_000,
      description:
        'longest time a client may take to send a whole request (headers and body), in milliseconds; a slower one is answered 408 `REQUEST_TIMEOUT` and its connection closed (checked every second)',
    }),
    headersTimeoutMs: Count({
      env: 'INFERLENS_HEADERS_TIMEOUT_MS',
      default: 10_000,
      description: "longest time a client may take to send a request's headers, in milliseconds (at most `limits.requestTimeoutMs`); answered 408 `REQUEST_TIMEOUT`",
    }),
  },
  'limits applied to ingestion requests and to what they hold in memory',
);

/** Limits applied to every ingestion request. */
export type IngestLimits = Static<typeof LimitsSection>;
