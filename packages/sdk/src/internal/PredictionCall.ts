import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
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
  ATTR_INFERLENS_STREAM_END,
  ATTR_INFERLENS_STREAM_TIME_TO_FIRST_CHUNK_MS,
  ATTR_INFERLENS_STREAM_TIME_TO_FIRST_TOKEN_MS,
  type AttributeValue,
  type PredictionRecord,
  validatePrediction,
} from '@inferlens/semconv';
import type { Features, GenAiUsage, InferenceKind } from '../InstrumentOptions.js';
import { handleError } from './handle-error.js';
import type { MonitorCore } from './MonitorCore.js';
import type { PredictionScope } from './prediction-scope.js';
import { fixedRecordBytes, sdkRecordBytes } from './record-size.js';
import { randomId, RANDOM_ID_JSON_BYTES } from './random-id.js';
import { FixedSpanAttributes } from './tracing/FixedSpanAttributes.js';
import { OwnTracer } from './tracing/OwnTracer.js';
import { SdkPredictionRecord } from './SdkPredictionRecord.js';
import { isValidSpanContext } from './valid-span-context.js';
import { lastEventMillis, spanDurationMillis, spanStartMillis, toNanosecond } from './span-times.js';
import type { StreamEnd } from './wrap-stream.js';

/**
 * What is fixed for every call of one wrapper (or one `startPrediction`):
 * built once, so that a call only adds its ids, timing and extracted values.
 */
export interface CallPlan {
  readonly core: MonitorCore;
  readonly model: string;
  readonly version: string;
  readonly kind: InferenceKind;
  /** False when another GenAI instrumentation reports the call's usage (`usageOnSpan: false`). */
  readonly usageOnSpan: boolean;
  readonly spanName: string;
  readonly spanKind: SpanKind;
  /** The span's attributes known before the call, without the prediction id. */
  readonly spanAttributes: Attributes;
  /** The `attributes` option, copied. */
  readonly attributes: Record<string, AttributeValue>;
  /** The segment when it is fixed; '' when none or when `segmentOf` picks it per call. */
  readonly segment: string;
  /**
   * When the fixed fields of the records (model, version, project, service,
   * environment, segment, attributes) passed `validatePrediction`: their share of a
   * record's bytes (see `fixedRecordBytes`), so that each record only needs the cheap
   * per-call checks and sizing of `sdkRecordBytes`. Undefined when they did not.
   */
  readonly fixedBytes: number | undefined;
  /** `spanAttributes`, checked and serialized once, when the monitor's tracer is its own (`OwnTracer`); else undefined. */
  readonly fixedSpan: FixedSpanAttributes | undefined;
}

/** What a plan is made from. */
export interface PlanInput {
  model: string;
  version: string;
  kind: InferenceKind;
  segment: string;
  attributes: Record<string, AttributeValue> | undefined;
  /** `gen_ai.provider.name` (generative kinds). */
  provider?: string | undefined;
  /** @default true */
  usageOnSpan?: boolean | undefined;
}

const GEN_AI_KINDS: ReadonlySet<InferenceKind> = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

/** Builds the plan of a wrapper (or of one manual prediction). May throw; callers fence it. */
export function makePlan(core: MonitorCore, input: PlanInput): CallPlan {
  const { model, version, kind, segment } = input;
  const genAi = GEN_AI_KINDS.has(kind);
  const usageOnSpan = input.usageOnSpan !== false;
  const attributes: Record<string, AttributeValue> = { ...input.attributes };
  // The outcome is set to 'ok' with the others, in `startSpan`, and overwritten with 'error'
  // if the call fails: one `setAttribute` less per successful call. (A sampler or a span
  // processor's `onStart` sees 'ok' on a call that has not finished yet.)
  const spanAttributes: Attributes = {
    [ATTR_INFERLENS_MODEL_NAME]: model,
    [ATTR_INFERLENS_SAMPLE_RATE]: core.sampleRate,
  };
  if (version) spanAttributes[ATTR_INFERLENS_MODEL_VERSION] = version;
  if (core.project) spanAttributes[ATTR_INFERLENS_PROJECT] = core.project;
  if (core.environment) spanAttributes[ATTR_INFERLENS_ENVIRONMENT] = core.environment;
  if (segment) spanAttributes[ATTR_INFERLENS_SEGMENT] = segment;
  if (genAi) {
    spanAttributes[ATTR_GEN_AI_OPERATION_NAME] = kind;
    spanAttributes[ATTR_GEN_AI_REQUEST_MODEL] = model;
    if (input.provider) spanAttributes[ATTR_GEN_AI_PROVIDER_NAME] = input.provider;
  }
  for (const [k, v] of Object.entries(attributes)) if (v !== null && v !== undefined) spanAttributes[k] = v;
  // After the `attributes` option, which used to be overwritten by the outcome set at the end.
  spanAttributes[ATTR_INFERLENS_OUTCOME] = 'ok';
  // The fixed fields, checked once with the collector's own rules.
  const template: PredictionRecord = {
    predictionId: 'x',
    model,
    version,
    project: core.project ?? null,
    service: core.service,
    environment: core.environment ?? null,
    segment,
    attributes,
  };
  return {
    core,
    model,
    version,
    kind,
    usageOnSpan,
    spanName: `${genAi ? kind : kind === 'batch' ? 'predict_batch' : 'predict'} ${model}`,
    // Beside another GenAI instrumentation's client span (its child), this span is the application's own step.
    spanKind: genAi && usageOnSpan ? SpanKind.CLIENT : SpanKind.INTERNAL,
    spanAttributes,
    attributes,
    segment,
    fixedBytes: validatePrediction(template).ok ? fixedRecordBytes(model, version, core.project ?? null, core.service, core.environment ?? null, core.sampleRate) : undefined,
    fixedSpan: core.tracer instanceof OwnTracer ? new FixedSpanAttributes(spanAttributes) : undefined,
  };
}

/** Chooses the id of item `index` (the `predictionId` option, bound to the call's arguments). */
export type IdChooser = (args: never, index: number) => string;

const NO_USAGE: GenAiUsage = Object.freeze({});
/** `{}`, the JSON of a record's map when there was none to redact. */
const EMPTY_MAP_BYTES = 2;
const TIME_ORIGIN = performance.timeOrigin;
const FIRST_CHUNK_EVENT = 'inferlens.first_chunk';
const FIRST_TOKEN_EVENT = 'inferlens.first_token';
/** A stream's chunks kept for the extractors, at most: past that, the last slot holds the latest chunk. */
export const MAX_KEPT_CHUNKS = 10_000;

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
  /**
   * The span's start (epoch ms) when it is a recording OpenTelemetry SDK span, whose own
   * start and duration then time the call; else -1, and `startPerf` does.
   */
  private readonly startMs: number;
  private readonly startPerf: number;
  private outputs: Features[] | undefined = undefined;
  private usage: GenAiUsage = NO_USAGE;
  private chunks = 0;
  private firstChunkMs: number | undefined = undefined;
  private firstTokenMs: number | undefined = undefined;
  private streamEnd: StreamEnd | 'error' | undefined = undefined;
  /** The chunks read so far, when an extractor will want them; let go by `takeChunks()`. */
  private chunkList: unknown[] = [];
  /** False once `takeChunks()` ran. */
  private keepChunks = true;
  private ended = false;
  /** False once the `predictionId` option chose an id: ids are then sized one by one. */
  private generatedIds = true;
  /** Embeddings per item, when the `embedding` option gave them (set after construction). */
  embeddings: (readonly number[] | undefined)[] | undefined = undefined;

  /**
   * @param features features per item, when extracted (a single call has one item)
   * @param chooseId the `predictionId` option, called with `args`
   */
  constructor(
    private readonly plan: CallPlan,
    private readonly segment: string,
    private readonly features: Features[] | undefined,
    private readonly sampled: boolean,
    private readonly capture: string[] | undefined,
    private readonly chooseId: IdChooser | undefined,
    private readonly args: unknown,
  ) {
    const batch = plan.kind === 'batch';
    const parent = context.active();
    if (batch) {
      const items = features?.length ?? 0;
      const ids: string[] = [];
      for (let i = 0; i < items; i++) ids.push(this.makeId(i));
      this.ids = ids;
    } else this.ids = [this.makeId(0)];
    if (capture) for (const id of this.ids) capture.push(id);
    this.scope = { predictionIds: this.ids };
    const ownSegment = segment && segment !== plan.segment;
    const fixedSpan = plan.fixedSpan;
    if (fixedSpan !== undefined) {
      // The SDK's own tracer: the span refers to the plan's attributes, checked and serialized once.
      const span = (plan.core.tracer as OwnTracer).startPlannedSpan(plan.spanName, plan.spanKind, fixedSpan, parent, batch ? undefined : ATTR_INFERLENS_PREDICTION_ID, this.ids[0]);
      if (ownSegment) span.setAttribute(ATTR_INFERLENS_SEGMENT, segment);
      this.span = span;
    } else {
      // Object.assign onto a literal: several times cheaper than a spread with dotted keys (V8 12).
      const attributes: Attributes = batch ? Object.assign({}, plan.spanAttributes) : Object.assign({ [ATTR_INFERLENS_PREDICTION_ID]: this.ids[0] }, plan.spanAttributes);
      if (ownSegment) attributes[ATTR_INFERLENS_SEGMENT] = segment;
      this.span = plan.core.tracer.startSpan(plan.spanName, { kind: plan.spanKind, attributes }, parent);
    }
    this.context = trace.setSpan(parent, this.span);
    this.startMs = spanStartMillis(this.span);
    this.startPerf = this.startMs < 0 ? performance.now() : 0;
  }

  /** Records the outputs and usage of a finished (non-stream) result. */
  setResult(outputs: Features[] | undefined, usage: GenAiUsage | undefined): void {
    this.outputs = outputs;
    if (usage) this.usage = usage;
    if (this.plan.kind === 'batch' && this.ids.length === 0 && outputs) {
      // A batch without a features extractor learns its size from the outputs.
      for (let i = 0; i < outputs.length; i++) this.ids.push(this.makeId(i));
      if (this.capture) for (const id of this.ids) this.capture.push(id);
    }
  }

  /**
   * Counts a stream chunk and times the first one, and the first that carries content.
   * @param keep whether to keep the chunk for the extractors
   */
  onChunk(chunk: unknown, hasContent: boolean, keep: boolean): void {
    try {
      this.chunks++;
      if (this.firstChunkMs === undefined) this.firstChunkMs = this.markEvent(FIRST_CHUNK_EVENT);
      if (hasContent && this.firstTokenMs === undefined) this.firstTokenMs = this.markEvent(FIRST_TOKEN_EVENT);
      if (keep && this.keepChunks) {
        const list = this.chunkList;
        if (list.length < MAX_KEPT_CHUNKS) list.push(chunk);
        else list[MAX_KEPT_CHUNKS - 1] = chunk;
      }
    } catch (error) {
      handleError('observing a stream chunk', error);
    }
  }

  /**
   * The chunks kept so far, for the extractors at the stream's end. The call keeps them no
   * longer (a stream object the host still holds refers to the call): chunks after this are
   * counted but not kept.
   */
  takeChunks(): unknown[] {
    const list = this.chunkList;
    this.chunkList = [];
    this.keepChunks = false;
    return list;
  }

  /** Adds an event to the span now; returns the milliseconds since the start. */
  private markEvent(name: string): number {
    this.span.addEvent(name);
    // The event's time is the span's start plus the monotonic time since: the same clock as its duration.
    const at = this.startMs >= 0 ? lastEventMillis(this.span, name) : -1;
    return at >= 0 ? Math.max(0, at - this.startMs) : this.elapsedMs();
  }

  /** Notes how a stream ended (before `succeed` or `fail`). */
  setStreamEnd(how: StreamEnd | 'error'): void {
    this.streamEnd = how;
  }

  /**
   * Ends the call successfully.
   * @param endPerf when the call ended, by `performance.now()`, if not now (a stream found abandoned later)
   */
  succeed(endPerf?: number): void {
    this.finish(undefined, false, endPerf);
  }

  /** Ends the call as failed with the caller's error (which the caller still receives, untouched). */
  fail(error: unknown): void {
    this.finish(error, true);
  }

  private makeId(index: number): string {
    if (this.chooseId) {
      try {
        const id = this.chooseId(this.args as never, index);
        if (typeof id === 'string' && id !== '') {
          this.generatedIds = false;
          return id;
        }
      } catch (error) {
        handleError('predictionId option', error);
      }
    }
    return randomId();
  }

  private finish(error: unknown, failed: boolean, endPerf?: number): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const errorType = failed ? errorTypeOf(error) : '';
      const extra = this.usage !== NO_USAGE || this.chunks > 0 || this.firstChunkMs !== undefined || this.streamEnd !== undefined ? this.resultAttributes() : undefined;
      const span = this.span;
      if (extra && hasKeys(extra)) span.setAttributes(extra);
      if (this.plan.kind === 'batch') {
        span.setAttribute(ATTR_INFERLENS_BATCH_SIZE, this.ids.length);
        span.setAttribute(ATTR_INFERLENS_PREDICTION_ID, this.ids);
      }
      if (failed) {
        span.setAttributes({ [ATTR_INFERLENS_OUTCOME]: 'error', [ATTR_ERROR_TYPE]: errorType });
        if (error instanceof Error) span.recordException(error);
        else span.recordException({ name: errorType, message: String(error) });
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      if (endPerf === undefined) span.end();
      else span.end(TIME_ORIGIN + endPerf);
      const core = this.plan.core;
      if (!this.sampled) {
        core.countSampledOut();
        return;
      }
      let latencyMs = -1;
      if (this.startMs >= 0) latencyMs = spanDurationMillis(span);
      if (latencyMs < 0 && endPerf !== undefined) latencyMs = this.startMs >= 0 ? Math.max(0, TIME_ORIGIN + endPerf - this.startMs) : Math.max(0, endPerf - this.startPerf);
      this.emitRecords(toNanosecond(latencyMs >= 0 ? latencyMs : this.elapsedMs()), this.startMs >= 0 ? this.startMs : TIME_ORIGIN + this.startPerf, failed, errorType, extra);
    } catch (e) {
      handleError('ending a prediction', e);
    }
  }

  /** Milliseconds since the start, by `performance.now()` (or by the span's start, when it had one but no duration). */
  private elapsedMs(): number {
    return this.startMs >= 0 ? Math.max(0, Date.now() - this.startMs) : performance.now() - this.startPerf;
  }

  private resultAttributes(): Record<string, string | number | string[]> {
    const a: Record<string, string | number | string[]> = {};
    const u = this.usage;
    if (this.plan.usageOnSpan) {
      if (typeof u.inputTokens === 'number') a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = u.inputTokens;
      if (typeof u.outputTokens === 'number') a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = u.outputTokens;
    }
    if (typeof u.responseModel === 'string') a[ATTR_GEN_AI_RESPONSE_MODEL] = u.responseModel;
    if (Array.isArray(u.finishReasons)) a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = u.finishReasons.map(String);
    if (this.chunks > 0 || this.firstChunkMs !== undefined || this.streamEnd !== undefined) a[ATTR_INFERLENS_STREAM_CHUNK_COUNT] = this.chunks;
    if (this.firstChunkMs !== undefined) {
      a[ATTR_INFERLENS_STREAM_TIME_TO_FIRST_CHUNK_MS] = this.firstChunkMs;
      if (GEN_AI_KINDS.has(this.plan.kind)) a[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = this.firstChunkMs / 1000;
    }
    if (this.firstTokenMs !== undefined) a[ATTR_INFERLENS_STREAM_TIME_TO_FIRST_TOKEN_MS] = this.firstTokenMs;
    if (this.streamEnd !== undefined) a[ATTR_INFERLENS_STREAM_END] = this.streamEnd;
    return a;
  }

  /** Builds the records (one per item), each a fresh object nobody else holds, and hands them to the monitor. */
  private emitRecords(latencyMs: number, timestamp: number, failed: boolean, errorType: string, extra: Record<string, string | number | string[]> | undefined): void {
    const { plan } = this;
    const core = plan.core;
    const ctx = this.span.spanContext();
    const valid = isValidSpanContext(ctx.traceId, ctx.spanId);
    let attributes: Record<string, AttributeValue> = plan.attributes;
    // Records built from the plan's checked fields only need the per-call checks.
    let fixedBytes = plan.fixedBytes;
    if (extra && hasKeys(extra)) {
      attributes = Object.assign({}, attributes);
      for (const k in extra) {
        const v = extra[k];
        attributes[k] = Array.isArray(v) ? v.join(',') : v;
      }
      fixedBytes = undefined;
    }
    const batch = plan.kind === 'batch';
    const ids = this.ids;
    const usage = this.usage;
    const inputTokens = nonNegativeInt(usage.inputTokens);
    const outputTokens = nonNegativeInt(usage.outputTokens);
    const idBytes = this.generatedIds ? RANDOM_ID_JSON_BYTES : undefined;
    for (let index = 0; index < ids.length; index++) {
      // Redacted first: the redactor sizes what it keeps on the way.
      const features = core.redact(this.features?.[index], false);
      const outputs = core.redact(this.outputs?.[index], true);
      // The fields of `SdkPredictionRecord`, in its order.
      const record = new SdkPredictionRecord(
        ids[index],
        plan.model,
        plan.version,
        timestamp,
        core.project ?? null,
        core.service,
        core.environment ?? null,
        this.segment,
        latencyMs,
        failed ? 'error' : 'ok',
        errorType,
        features ? features.values : {},
        outputs ? outputs.values : {},
        inputTokens,
        outputTokens,
        core.sampleRate,
        valid ? ctx.traceId : '',
        valid ? ctx.spanId : '',
        // A copy per record: the exporter serializes it later, and the plan's map must not be shared.
        batch
          ? Object.assign({}, attributes, { [ATTR_INFERLENS_BATCH_INDEX]: index, [ATTR_INFERLENS_BATCH_SIZE]: ids.length })
          : hasKeys(attributes)
            ? Object.assign({}, attributes)
            : {},
        this.embeddings?.[index],
      );
      // Checked and sized the cheap way when the plan's fixed fields were validated; else `emit` validates it in full.
      const bytes =
        fixedBytes === undefined
          ? undefined
          : sdkRecordBytes(record, fixedBytes, idBytes, features ? features.bytes : EMPTY_MAP_BYTES, outputs ? outputs.bytes : EMPTY_MAP_BYTES);
      core.emit(record, bytes);
    }
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
