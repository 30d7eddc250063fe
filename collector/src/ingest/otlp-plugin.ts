import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { INFERLENS_FEEDBACK_EVENT, INFERLENS_PREDICTION_EVENT, validateFeedback, validatePrediction } from '@inferlens/semconv';
import type { RecordLimits } from '@inferlens/semconv';
import { SaturatedError, TooManyRecordsError } from '../errors.js';
import type { IngestLimits } from '../config.js';
import type { FeedbackRow } from '../store/schema/feedback.js';
import type { LogRow } from '../store/schema/otel-logs.js';
import type { PredictionRow } from '../store/schema/predictions.js';
import { EventTimeBounds } from './EventTimeBounds.js';
import { feedbackToRow, predictionToRow } from './native/to-rows.js';
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest, transcodeTracesProtobuf, type OtlpEncoding } from './otlp/index.js';
import { encodeExportResponseProto, exportResponseJson, isProtobufRequest, otlpErrorFormat } from './otlp-response.js';
import { bodyStaged, readBody } from '../http/read-body.js';
import { HTTP_PLUGIN } from '../http/http-plugin.js';
import { ADMISSION_PLUGIN, admitIngestBodies, ingestDeadline } from '../http/admission-plugin.js';
import { formatUnixNanos } from './native/format-unix-nanos.js';
import { countRecords } from '../metrics/CollectorMetrics.js';
import { projectOf, nowUnixNano } from '../http/request-context.js';
import { requestKey } from './request-key.js';
import type { AddOptions } from '../store/InsertBatcher.js';
import { boundProject } from '../auth/Principal.js';
import { projectRejection, type RecordPolicy } from './record-policy.js';
import type { Redactor } from './Redactor.js';
import type { RateLimiter } from '../auth/RateLimiter.js';
import { bufferBodyParser } from '../http/body-parser.js';

const OTLP_TYPES = ['application/x-protobuf', 'application/json'] as const;

function sendExportResponse(request: FastifyRequest, reply: FastifyReply, field: string, rejected: number, errors: string[]): FastifyReply {
  const message = rejected > 0 ? `${rejected} rejected: ${errors.slice(0, 5).join('; ')}` : '';
  if (isProtobufRequest(request)) {
    return reply.code(200).type('application/x-protobuf').send(Buffer.from(encodeExportResponseProto(rejected, message)));
  }
  return reply.code(200).type('application/json').send(exportResponseJson(field, rejected, message));
}

/** Options of {@link otlpPlugin}. */
export interface OtlpPluginOptions {
  limits: IngestLimits;
  recordLimits: RecordLimits;
  /** The batchers' `maxPendingRows`: a request that several tables share is refused whole above it. */
  maxPendingRows: number;
  /** Collector-side redaction of predictions' features and outputs (`inferlens.prediction` events). */
  redactor?: Redactor;
  /** The per-key rate limit of records. */
  limiter?: RateLimiter;
}

/** A request's rows handed to the batchers: when they are stored, and what was rejected. */
interface Staged {
  stored: Promise<void>;
  /** Records handed to the batchers. */
  accepted: number;
  rejected: number;
  errors: string[];
}

/**
 * OTLP/HTTP receivers: `POST /v1/traces`, `POST /v1/logs` and `POST /v1/metrics`, protobuf or
 * JSON, optionally gzip. Metric data points go to the five `otel_metrics_*` tables. Log records whose event name is `inferlens.prediction` or
 * `inferlens.feedback` go to `predictions` / `feedback`; the others to `otel_logs`.
 * A span, log record or data point with a time outside the event-time bounds around the receive time
 * (`limits.maxEventAgeSeconds`, `limits.maxEventAheadSeconds`) is rejected alone.
 * Responses follow the OTLP/HTTP specification: 200 with `partial_success` when some
 * records were rejected, a `google.rpc.Status` body in the request's encoding otherwise
 * (the routes' error format, written by the root error handler).
 */
async function otlpReceivers(app: FastifyInstance, opts: OtlpPluginOptions): Promise<void> {
  admitIngestBodies(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { bodyLimit: opts.limits.maxBodyBytes }, bufferBodyParser(opts.limits.maxBodyBytes));

  // Decoding, validation and batching run in one synchronous step per request, so nothing
  // of the decoded rows outlives it (the batchers keep their serialised bytes only): they die
  // young instead of being promoted to the old generation while the request awaits its insert.
  const spansLimit = (spans: number): void => {
    if (spans > opts.limits.maxRecordsPerRequest) {
      throw new TooManyRecordsError(
        opts.limits.maxRecordsPerRequest,
        `the request holds ${spans} spans, more than limits.maxRecordsPerRequest (${opts.limits.maxRecordsPerRequest}); split it`,
      );
    }
  };

  const stageSpans = (body: Buffer, encoding: OtlpEncoding, project: string, policy: RecordPolicy, add: AddOptions): Staged => {
    const eventTimes = EventTimeBounds.around(nowUnixNano(), opts.limits);
    if (encoding === 'protobuf') {
      // Protobuf straight to RowBinary, no row objects.
      const t = transcodeTracesProtobuf(body, project, eventTimes, add.key);
      spansLimit(t.count + t.rejected);
      policy.admit?.(t.count + t.rejected);
      return { stored: app.batchers.spans.addRowBinary(t.rows, t.count, t.days, add), accepted: t.count, rejected: t.rejected, errors: t.errors };
    }
    const decoded = decodeTraceRequest(body, encoding, project, eventTimes);
    spansLimit(decoded.spans.length + decoded.rejected);
    policy.admit?.(decoded.spans.length + decoded.rejected);
    return { stored: app.batchers.spans.add(decoded.spans, add), accepted: decoded.spans.length, rejected: decoded.rejected, errors: decoded.errors };
  };

  // Logs feed three tables, and their answer's deadline may refuse one table's share after
  // another's was stored: the retry then stores only what is missing (`otel_logs` and
  // `predictions` have identities; `feedback` needs none, its reads take the newest row per
  // prediction id). The same holds for the five metrics tables.
  const stageLogs = (body: Buffer, encoding: OtlpEncoding, project: string, policy: RecordPolicy, add: AddOptions): Staged => {
    const receivedAt = nowUnixNano();
    const eventTimes = EventTimeBounds.around(receivedAt, opts.limits);
    const decoded = decodeLogsRequest(body, encoding, project, eventTimes);
    if (decoded.logs.length + decoded.rejected > opts.limits.maxRecordsPerRequest) {
      throw new TooManyRecordsError(
        opts.limits.maxRecordsPerRequest,
        `the request holds ${decoded.logs.length + decoded.rejected} log records, more than limits.maxRecordsPerRequest (${opts.limits.maxRecordsPerRequest}); split it`,
      );
    }
    const logs: LogRow[] = [];
    const predictions: PredictionRow[] = [];
    const feedback: FeedbackRow[] = [];
    let rejected = decoded.rejected;
    const errors = [...decoded.errors];
    const reject = (i: number, eventName: string, field: string, message: string): void => {
      rejected++;
      if (errors.length < 10) errors.push(`log record ${i} (${eventName}): ${field}: ${message}`);
    };
    const observedNow = formatUnixNanos(receivedAt);
    decoded.logs.forEach((log, i) => {
      if (log.eventName !== INFERLENS_PREDICTION_EVENT && log.eventName !== INFERLENS_FEEDBACK_EVENT) {
        // A record with neither time is observed now, by the collector (as the OTLP spec has a
        // collector set observed_time_unix_nano), rather than stored in 1970's partition.
        logs.push(log.row.Timestamp === NO_TIME ? { ...log.row, Timestamp: observedNow } : log.row);
        return;
      }
      const record = withLogContext(log.body, log.row, log.attributes);
      // The log record's own times were checked by the decoder.
      const logTime = logTimeUnixNano(log.row.Timestamp);
      // A body's own `timestamp` must be within the bounds too (a missing one takes the log's time).
      const outside = (time: bigint | undefined): boolean => time !== undefined && !eventTimes.contains(time);
      if (log.eventName === INFERLENS_PREDICTION_EVENT) {
        const v = validatePrediction(record, opts.recordLimits);
        if (!v.ok) return reject(i, log.eventName, v.field, v.message);
        const refused = projectRejection(v.value.project, policy);
        if (refused !== undefined) return reject(i, log.eventName, 'project', refused);
        if (outside(v.value.timeUnixNano)) return reject(i, log.eventName, 'timestamp', eventTimes.problem(v.value.timeUnixNano!));
        v.value.timeUnixNano ??= logTime;
        const row = predictionToRow(v.value, receivedAt, policy.onlyProject);
        predictions.push(policy.redactor ? policy.redactor.redact(row) : row);
      } else {
        const v = validateFeedback(record, opts.recordLimits);
        if (!v.ok) return reject(i, log.eventName, v.field, v.message);
        const refused = projectRejection(v.value.project, policy);
        if (refused !== undefined) return reject(i, log.eventName, 'project', refused);
        if (outside(v.value.timeUnixNano)) return reject(i, log.eventName, 'timestamp', eventTimes.problem(v.value.timeUnixNano!));
        v.value.timeUnixNano ??= logTime;
        feedback.push(feedbackToRow(v.value, receivedAt, policy.onlyProject));
      }
    });
    policy.admit?.(decoded.logs.length + decoded.rejected);
    // One request may feed three tables. Check every batcher's room before adding to any, so a
    // saturated table refuses the whole request (503) instead of storing the other tables' rows
    // of a request the client is told to retry. Check and adds run in one synchronous step.
    const parts = [
      { batcher: app.batchers.logs, rows: logs.length },
      { batcher: app.batchers.predictions, rows: predictions.length },
      { batcher: app.batchers.feedback, rows: feedback.length },
    ];
    for (const { batcher, rows } of parts) {
      const pending = batcher.stats().pendingRows;
      if (rows > 0 && pending + rows > opts.maxPendingRows) {
        throw new SaturatedError(
          `${batcher.table}: ${pending} rows are waiting for storage (limit ${opts.maxPendingRows}); nothing of this request was stored; retry after the delay in Retry-After`,
        );
      }
    }
    // The batchers number the plain records (`IngestRow`) in this order: a retry, the same bytes
    // decoded the same way, numbers them alike.
    const stored = Promise.all([app.batchers.logs.add(logs, add), app.batchers.predictions.add(predictions, add), app.batchers.feedback.add(feedback, { deadline: add.deadline })]);
    return { stored: stored.then(() => undefined), accepted: logs.length + predictions.length + feedback.length, rejected, errors };
  };

  const stageMetrics = (body: Buffer, encoding: OtlpEncoding, project: string, policy: RecordPolicy, add: AddOptions): Staged => {
    const eventTimes = EventTimeBounds.around(nowUnixNano(), opts.limits);
    const decoded = decodeMetricsRequest(body, encoding, project, eventTimes);
    const { gauge, sum, histogram, exponentialHistogram, summary } = app.batchers;
    const tables = [
      { batcher: gauge, rows: decoded.gauge.length },
      { batcher: sum, rows: decoded.sum.length },
      { batcher: histogram, rows: decoded.histogram.length },
      { batcher: exponentialHistogram, rows: decoded.exponentialHistogram.length },
      { batcher: summary, rows: decoded.summary.length },
    ];
    const accepted = tables.reduce((n, t) => n + t.rows, 0);
    if (accepted + decoded.rejected > opts.limits.maxRecordsPerRequest) {
      throw new TooManyRecordsError(
        opts.limits.maxRecordsPerRequest,
        `the request holds ${accepted + decoded.rejected} data points, more than limits.maxRecordsPerRequest (${opts.limits.maxRecordsPerRequest}); split it`,
      );
    }
    policy.admit?.(accepted + decoded.rejected);
    // As for logs: every table's room is checked before any rows are added, in one synchronous step.
    for (const { batcher, rows } of tables) {
      const pending = batcher.stats().pendingRows;
      if (rows > 0 && pending + rows > opts.maxPendingRows) {
        throw new SaturatedError(
          `${batcher.table}: ${pending} rows are waiting for storage (limit ${opts.maxPendingRows}); nothing of this request was stored; retry after the delay in Retry-After`,
        );
      }
    }
    // Each table's points are numbered (`IngestRow`) in request order, as for logs.
    const stored = Promise.all([
      gauge.add(decoded.gauge, add),
      sum.add(decoded.sum, add),
      histogram.add(decoded.histogram, add),
      exponentialHistogram.add(decoded.exponentialHistogram, add),
      summary.add(decoded.summary, add),
    ]);
    return { stored: stored.then(() => undefined), accepted, rejected: decoded.rejected, errors: decoded.errors };
  };

  /** A receiver: reads the body, stages its rows, answers once they are stored. */
  const receive =
    (stage: (body: Buffer, encoding: OtlpEncoding, project: string, policy: RecordPolicy, add: AddOptions) => Staged, rejectedField: string, signal: 'traces' | 'logs' | 'metrics') =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      if (Buffer.isBuffer(request.body)) app.metrics.bytesReceived.inc({ signal }, request.body.length);
      const project = projectOf(request);
      const key = requestKey(request, signal, project);
      const policy: RecordPolicy = { onlyProject: boundProject(request.principal), redactor: opts.redactor, admit: opts.limiter && ((n) => opts.limiter!.take(request.principal, n)) };
      const staged = async (): Promise<Staged> => {
        // The body (and its inflated copy) stays inside this call: nothing holds it while the rows wait for their insert.
        const { body, mediaType } = await readBody(request, OTLP_TYPES, opts.limits.maxDecompressedBytes);
        return stage(body, mediaType === 'application/x-protobuf' ? 'protobuf' : 'json', project, policy, { key, deadline: ingestDeadline(request) });
      };
      const { stored, accepted, rejected, errors } = await staged();
      bodyStaged(request);
      await countRecords(app.metrics, signal, accepted, rejected, stored);
      return sendExportResponse(request, reply, rejectedField, rejected, errors);
    };

  const config = { errorFormat: otlpErrorFormat };
  app.post('/v1/traces', { config }, receive(stageSpans, 'rejectedSpans', 'traces'));
  app.post('/v1/logs', { config }, receive(stageLogs, 'rejectedLogRecords', 'logs'));
  app.post('/v1/metrics', { config }, receive(stageMetrics, 'rejectedDataPoints', 'metrics'));
}

/**
 * The OTLP receivers as an encapsulated plugin (its body parser stays its own) that needs the
 * HTTP layer, whose root error handler writes its errors, and the store's batchers.
 */
export const otlpPlugin = fp(otlpReceivers, {
  name: 'inferlens-otlp',
  fastify: '5.x',
  encapsulate: true,
  dependencies: [HTTP_PLUGIN, ADMISSION_PLUGIN],
  decorators: { fastify: ['batchers', 'metrics', 'admission'] },
});

/** The `Timestamp` of a decoded log record that carries neither a time nor an observed time. */
const NO_TIME = '0.000000000';

/**
 * A prediction or feedback event carries its record as the log body (a kvlist).
 * The log record's own trace context, time and project fill what the body leaves out.
 */
function withLogContext(body: unknown, row: LogRow, attributes: Record<string, unknown>): unknown {
  const source = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : attributes;
  const record: Record<string, unknown> = { ...(source as Record<string, unknown>) };
  if (record.traceId === undefined && row.TraceId) record.traceId = row.TraceId;
  if (record.spanId === undefined && row.SpanId) record.spanId = row.SpanId;
  if (record.service === undefined && row.ServiceName) record.service = row.ServiceName;
  if (record.project === undefined && row.Project !== 'default') record.project = row.Project;
  return record;
}

/** The log record's time in Unix nanoseconds, exact; undefined when it carries none. */
function logTimeUnixNano(timestamp: string): bigint | undefined {
  const dot = timestamp.indexOf('.');
  if (dot < 0) return undefined;
  const ns = BigInt(timestamp.slice(0, dot)) * 1_000_000_000n + BigInt(timestamp.slice(dot + 1).padEnd(9, '0'));
  return ns > 0n ? ns : undefined;
}
