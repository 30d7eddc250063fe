import { randomUUID } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_INFERLENS_BATCH_INDEX,
  ATTR_INFERLENS_BATCH_SIZE,
  ATTR_INFERLENS_ENVIRONMENT,
  ATTR_INFERLENS_MODEL_NAME,
  ATTR_INFERLENS_MODEL_VERSION,
  ATTR_INFERLENS_OUTCOME,
  ATTR_INFERLENS_PREDICTION_ID,
  ATTR_INFERLENS_PROJECT,
  ATTR_INFERLENS_SAMPLE_RATE,
  ATTR_INFERLENS_SEGMENT,
  ATTR_INFERLENS_STREAM_CHUNK_COUNT,
  ATTR_INFERLENS_STREAM_TIME_TO_FIRST_CHUNK_MS,
  type AttributeValue,
  type PredictionRecord,
} from '@inferlens/semconv';
import type { Features, GenAiUsage, InferenceKind } from '../InstrumentOptions.js';
import { handleError } from './handle-error.js';
import type { MonitorCore } from './MonitorCore.js';
import type { PredictionScope } from './prediction-scope.js';

/** Everything known when a call starts. */
export interface CallStart {
  model: string;
  version: string;
  kind: InferenceKind;
  segment: string;
  attributes: Record<string, AttributeValue>;
  /** Features per item, when extracted (a single call has one item). */
  features: Features[] | undefined;
  /** Chooses the id of item `index`. */
  makeId: ((index: number) => string) | undefined;
}

const GEN_AI_KINDS: ReadonlySet<InferenceKind> = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

/**
 * One instrumented call in progress: its span, ids, timing, extracted values.
 * Every method catches its own failures (through `handleError`) and ends the
 * call at most once.
 */
export class PredictionCall {
  readonly span: Span;
  readonly context: Context;
  readonly scope: PredictionScope;
  readonly ids: string[];
  private readonly sampled: boolean;
  private readonly startPerf: number;
  private readonly timestamp: number;
  private outputs: Features[] | undefined;
  private usage: GenAiUsage = {};
  private chunks = 0;
  private firstChunkMs: number | undefined;
  private ended = false;

  constructor(
    private readonly core: MonitorCore,
    private readonly start: CallStart,
    sampled: boolean,
    private readonly capture: string[] | undefined,
  ) {
    this.sampled = sampled;
    const batch = start.kind === 'batch';
    const items = batch ? (start.features?.length ?? 0) : 1;
    this.ids = Array.from({ length: items }, (_, i) => this.makeId(i));
    capture?.push(...this.ids);
    this.scope = { predictionIds: this.ids };

    const genAi = GEN_AI_KINDS.has(start.kind);
    const attributes: Attributes = {
      [ATTR_INFERLENS_MODEL_NAME]: start.model,
      [ATTR_INFERLENS_SAMPLE_RATE]: core.sampleRate,
    };
    if (start.version) attributes[ATTR_INFERLENS_MODEL_VERSION] = start.version;
    if (core.project) attributes[ATTR_INFERLENS_PROJECT] = core.project;
    if (core.environment) attributes[ATTR_INFERLENS_ENVIRONMENT] = core.environment;
    if (start.segment) attributes[ATTR_INFERLENS_SEGMENT] = start.segment;
    if (!batch) attributes[ATTR_INFERLENS_PREDICTION_ID] = this.ids[0];
    if (genAi) {
      attributes[ATTR_GEN_AI_OPERATION_NAME] = start.kind;
      attributes[ATTR_GEN_AI_REQUEST_MODEL] = start.model;
    }
    for (const [k, v] of Object.entries(start.attributes)) if (v !== null && v !== undefined) attributes[k] = v;
    const parent = context.active();
    this.span = core.tracer.startSpan(
      `${genAi ? start.kind : start.kind === 'batch' ? 'predict_batch' : 'predict'} ${start.model}`,
      { kind: genAi ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes },
      parent,
    );
    this.context = trace.setSpan(parent, this.span);
    this.startPerf = performance.now();
    this.timestamp = performance.timeOrigin + this.startPerf;
  }

  /** Records the outputs and usage of a finished (non-stream) result. */
  setResult(outputs: Features[] | undefined, usage: GenAiUsage | undefined): void {
    this.outputs = outputs;
    if (usage) this.usage = usage;
    if (this.start.kind === 'batch' && this.ids.length === 0 && outputs) {
      // A batch without a features extractor learns its size from the outputs.
      for (let i = 0; i < outputs.length; i++) this.ids.push(this.makeId(i));
      this.capture?.push(...this.ids);
    }
  }

  /** Counts a stream chunk; merges what the extractors took from it. */
  onChunk(output: Features | undefined, usage: GenAiUsage | undefined): void {
    try {
      this.chunks++;
      if (this.firstChunkMs === undefined) {
        this.firstChunkMs = performance.now() - this.startPerf;
        this.span.addEvent('inferlens.first_chunk');
      }
      if (output) this.outputs = [{ ...this.outputs?.[0], ...output }];
      if (usage) this.usage = { ...this.usage, ...usage };
    } catch (error) {
      handleError('observing a stream chunk', error);
    }
  }

  /** Ends the call successfully. */
  succeed(): void {
    this.finish(undefined, false);
  }

  /** Ends the call as failed with the caller's error (which the caller still receives, untouched). */
  fail(error: unknown): void {
    this.finish(error, true);
  }

  private makeId(index: number): string {
    try {
      const id = this.start.makeId?.(index);
      if (typeof id === 'string' && id !== '') return id;
    } catch (error) {
      handleError('predictionId option', error);
    }
    return randomUUID();
  }

  private finish(error: unknown, failed: boolean): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const latencyMs = performance.now() - this.startPerf;
      const errorType = failed ? errorTypeOf(error) : '';
      const extra = this.resultAttributes();
      const span = this.span;
      span.setAttribute(ATTR_INFERLENS_OUTCOME, failed ? 'error' : 'ok');
      if (hasKeys(extra)) span.setAttributes(extra);
      if (this.start.kind === 'batch') {
        span.setAttribute(ATTR_INFERLENS_BATCH_SIZE, this.ids.length);
        span.setAttribute(ATTR_INFERLENS_PREDICTION_ID, this.ids);
      }
      if (failed) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
        if (error instanceof Error) span.recordException(error);
        else span.recordException({ name: errorType, message: String(error) });
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
      if (!this.sampled) {
        this.core.countSampledOut();
        return;
      }
      this.core.emit(this.records(latencyMs, failed, errorType, extra));
    } catch (e) {
      handleError('ending a prediction', e);
    }
  }

  private resultAttributes(): Record<string, string | number | string[]> {
    const a: Record<string, string | number | string[]> = {};
    const u = this.usage;
    if (typeof u.inputTokens === 'number') a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = u.inputTokens;
    if (typeof u.outputTokens === 'number') a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = u.outputTokens;
    if (typeof u.responseModel === 'string') a[ATTR_GEN_AI_RESPONSE_MODEL] = u.responseModel;
    if (Array.isArray(u.finishReasons)) a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = u.finishReasons.map(String);
    if (this.chunks > 0 || this.firstChunkMs !== undefined) a[ATTR_INFERLENS_STREAM_CHUNK_COUNT] = this.chunks;
    if (this.firstChunkMs !== undefined) a[ATTR_INFERLENS_STREAM_TIME_TO_FIRST_CHUNK_MS] = this.firstChunkMs;
    return a;
  }

  private records(latencyMs: number, failed: boolean, errorType: string, extra: Record<string, string | number | string[]>): PredictionRecord[] {
    const { core, start } = this;
    const ctx = this.span.spanContext();
    const valid = trace.isSpanContextValid(ctx);
    const attributes: Record<string, AttributeValue> = { ...start.attributes };
    for (const [k, v] of Object.entries(extra)) attributes[k] = Array.isArray(v) ? v.join(',') : v;
    const batch = start.kind === 'batch';
    return this.ids.map((predictionId, index) => ({
      predictionId,
      model: start.model,
      version: start.version,
      timestamp: this.timestamp,
      project: core.project ?? null,
      service: core.service,
      environment: core.environment ?? null,
      segment: start.segment,
      latencyMs,
      status: failed ? 'error' : 'ok',
      errorType,
      features: core.redact(start.features?.[index], false) ?? {},
      outputs: core.redact(this.outputs?.[index], true) ?? {},
      inputTokens: nonNegativeInt(this.usage.inputTokens),
      outputTokens: nonNegativeInt(this.usage.outputTokens),
      sampleRate: core.sampleRate,
      traceId: valid ? ctx.traceId : '',
      spanId: valid ? ctx.spanId : '',
      attributes: batch ? { ...attributes, [ATTR_INFERLENS_BATCH_INDEX]: index, [ATTR_INFERLENS_BATCH_SIZE]: this.ids.length } : attributes,
    }));
  }
}

function errorTypeOf(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? error.name : (error.constructor?.name ?? 'Error');
  return typeof error;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

function nonNegativeInt(n: number | undefined): number | null {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
}
