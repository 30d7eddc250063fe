import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RecordLimits } from '@inferlens/semconv';
import type { IngestLimits } from '../config.js';
import { bodyStaged, readBody } from '../http/read-body.js';
import { HTTP_PLUGIN } from '../http/http-plugin.js';
import { ADMISSION_PLUGIN, admitIngestBodies, ingestDeadline } from '../http/admission-plugin.js';
import { utf8Text } from './utf8-text.js';
import { formatRecordError, parseRecordBody, type RecordError } from './native/parse-records.js';
import { transcodePredictions } from './native/predictions-rowbinary.js';
import { feedbackToRow } from './native/to-rows.js';
import { EventTimeBounds } from './EventTimeBounds.js';
import { ingestProjects, nowUnixNano } from '../http/request-context.js';
import type { RecordPolicy } from './record-policy.js';
import type { Redactor } from './Redactor.js';
import type { RateLimiter } from '../auth/RateLimiter.js';
import { countRecords } from '../metrics/CollectorMetrics.js';
import { requestKey } from './request-key.js';
import { bufferBodyParser } from '../http/body-parser.js';

// Not text/plain: a page of any site may send it without a preflight (see http/auth-host.ts).
const NATIVE_TYPES = ['application/x-ndjson', 'application/json', 'application/jsonl'] as const;

/** The response of the native endpoints. */
export interface IngestResponse {
  accepted: number;
  rejected: number;
  /** One line per rejected record (at most 100): `record 17: features.age: expected number, got "abc"`. */
  errors: string[];
}

/** Options of {@link nativePlugin}. */
export interface NativePluginOptions {
  limits: IngestLimits;
  recordLimits: RecordLimits;
  /** Collector-side redaction of predictions' features and outputs. */
  redactor?: Redactor;
  /** The per-key rate limit of records. */
  limiter?: RateLimiter;
}

/**
 * Native endpoints: `POST /v1/predictions` and `POST /v1/feedback`, NDJSON or a
 * JSON array, optionally gzip. Valid records are stored and acknowledged even
 * when others in the same body are rejected (invalid, or with a `timestamp` outside
 * `limits.maxEventAgeSeconds` / `limits.maxEventAheadSeconds` around the receive time);
 * the response says which and why. Errors are answered by the root error handler (JSON
 * `{ error, message }`).
 */
async function nativeReceivers(app: FastifyInstance, opts: NativePluginOptions): Promise<void> {
  admitIngestBodies(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { bodyLimit: opts.limits.maxBodyBytes }, bufferBodyParser(opts.limits.maxBodyBytes));

  /**
   * Parses, validates and batches one body, synchronously; returns the response and the
   * promise of its storage. Nothing of the parsed records outlives this call (the batcher
   * keeps only their serialised bytes), so they die young instead of being promoted to the
   * old generation while the request waits for its insert.
   */
  const stage = (kind: 'prediction' | 'feedback', request: FastifyRequest, body: Buffer): { stored: Promise<void>; response: IngestResponse } => {
    const receivedAt = nowUnixNano();
    const eventTimes = EventTimeBounds.around(receivedAt, opts.limits);
    const { project, only } = ingestProjects(request);
    const policy: RecordPolicy = { onlyProject: only, redactor: opts.redactor, admit: opts.limiter && ((n) => opts.limiter!.take(request.principal, n)) };
    const text = utf8Text(body); // ill-formed UTF-8 becomes U+FFFD (see utf8-text.ts)
    let stored: Promise<void>;
    let accepted: number;
    let rejected: RecordError[];
    if (kind === 'prediction') {
      // The request's key, which its retries share (feedback needs none: its table keeps the newest row per prediction).
      const key = requestKey(request, 'predictions', project ?? '');
      // Records in the common shape go to RowBinary without row objects.
      const t = transcodePredictions(text, opts.recordLimits, opts.limits.maxRecordsPerRequest, receivedAt, project, eventTimes, policy, key);
      policy.admit?.(t.count + t.rejected.length);
      stored = app.batchers.predictions.addRowBinary(t.rows, t.count, t.days, { key, deadline: ingestDeadline(request) });
      accepted = t.count;
      rejected = t.rejected;
    } else {
      const parsed = parseRecordBody(text, kind, opts.recordLimits, opts.limits.maxRecordsPerRequest, eventTimes, policy);
      policy.admit?.(parsed.records.length + parsed.rejected.length);
      stored = app.batchers.feedback.add(parsed.records.map((r) => feedbackToRow(r, receivedAt, project)), { deadline: ingestDeadline(request) });
      accepted = parsed.records.length;
      rejected = parsed.rejected;
    }
    return {
      stored,
      response: { accepted, rejected: rejected.length, errors: rejected.slice(0, 100).map(formatRecordError) },
    };
  };

  const ingest = (kind: 'prediction' | 'feedback') => async (request: FastifyRequest): Promise<IngestResponse> => {
    const signal = kind === 'prediction' ? 'predictions' : 'feedback';
    if (Buffer.isBuffer(request.body)) app.metrics.bytesReceived.inc({ signal }, request.body.length);
    // The body (and its inflated copy) stays inside this call: nothing holds it while the rows wait for their insert.
    const { stored, response } = stage(kind, request, (await readBody(request, NATIVE_TYPES, opts.limits.maxDecompressedBytes)).body);
    bodyStaged(request);
    await countRecords(app.metrics, signal, response.accepted, response.rejected, stored);
    return response;
  };

  app.post('/v1/predictions', ingest('prediction'));
  app.post('/v1/feedback', ingest('feedback'));
}

/**
 * The native endpoints as an encapsulated plugin (its body parser stays its own) that needs the
 * HTTP layer, whose root error handler answers its errors, and the store's batchers.
 */
export const nativePlugin = fp(nativeReceivers, {
  name: 'inferlens-native',
  fastify: '5.x',
  encapsulate: true,
  dependencies: [HTTP_PLUGIN, ADMISSION_PLUGIN],
  decorators: { fastify: ['batchers', 'metrics', 'admission'] },
});
