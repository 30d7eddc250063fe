import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RecordLimits, NormalizedFeedback, NormalizedPrediction } from '@inferlens/semconv';
import type { IngestLimits } from '../config.js';
import { readBody } from './read-body.js';
import { useJsonErrors } from './errors-reply.js';
import { parseRecordBody, TooManyRecordsError } from './native/parse-records.js';
import { feedbackToRow, predictionToRow } from './native/to-rows.js';
import { BodyTooLargeError } from '../errors.js';
import { nowUnixNano, projectOf, PROJECT_HEADER } from './request-context.js';

const NATIVE_TYPES = ['application/x-ndjson', 'application/json', 'application/jsonl', 'text/plain'] as const;

/** The response of the native endpoints. */
export interface IngestResponse {
  accepted: number;
  rejected: number;
  /** One line per rejected record (at most 100): `record 17: features.age: expected number, got "abc"`. */
  errors: string[];
}

/**
 * Native endpoints: `POST /v1/predictions` and `POST /v1/feedback`, NDJSON or a
 * JSON array, optionally gzip. Valid records are stored and acknowledged even
 * when others in the same body are rejected; the response says which and why.
 */
export async function nativePlugin(app: FastifyInstance, opts: { limits: IngestLimits; recordLimits: RecordLimits }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.limits.maxBodyBytes }, (_req, body, done) => done(null, body));
  useJsonErrors(app, 'ingest request failed');

  /**
   * Parses, validates and batches one body, synchronously; returns the response and the
   * promise of its storage. Nothing of the parsed records outlives this call (the batcher
   * keeps only their serialised bytes), so they die young instead of being promoted to the
   * old generation while the request waits for its insert.
   */
  const stage = (kind: 'prediction' | 'feedback', request: FastifyRequest, body: Buffer): { stored: Promise<void>; response: IngestResponse } => {
    let parsed;
    try {
      parsed = parseRecordBody(body.toString('utf8'), kind, opts.recordLimits, opts.limits.maxRecordsPerRequest);
    } catch (err) {
      if (err instanceof TooManyRecordsError) throw new BodyTooLargeError(err.message);
      throw err;
    }
    const receivedAt = nowUnixNano();
    const project = request.headers[PROJECT_HEADER] ? projectOf(request) : undefined;
    let stored: Promise<void>;
    if (kind === 'prediction') {
      const rows = (parsed.records as NormalizedPrediction[]).map((r) => {
        const row = predictionToRow(r, receivedAt);
        if (project && row.Project === 'default') row.Project = project;
        return row;
      });
      stored = app.batchers.predictions.add(rows);
    } else {
      const rows = (parsed.records as NormalizedFeedback[]).map((r) => {
        const row = feedbackToRow(r, receivedAt);
        if (project && row.Project === 'default') row.Project = project;
        return row;
      });
      stored = app.batchers.feedback.add(rows);
    }
    return {
      stored,
      response: {
        accepted: parsed.records.length,
        rejected: parsed.rejected.length,
        errors: parsed.rejected.slice(0, 100).map((e) => `record ${e.index}: ${e.field ? e.field + ': ' : ''}${e.message}`),
      },
    };
  };

  const ingest = (kind: 'prediction' | 'feedback') => async (request: FastifyRequest): Promise<IngestResponse> => {
    const { body } = await readBody(request, NATIVE_TYPES, opts.limits.maxDecompressedBytes);
    const { stored, response } = stage(kind, request, body);
    await stored;
    return response;
  };

  app.post('/v1/predictions', ingest('prediction'));
  app.post('/v1/feedback', ingest('feedback'));
}
