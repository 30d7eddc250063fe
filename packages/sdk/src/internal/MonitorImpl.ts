import { trace, type Tracer } from '@opentelemetry/api';
import { validateFeedback, validatePrediction, type FeedbackRecord, type PredictionRecord } from '@inferlens/semconv';
import { HttpFeedbackExporter } from '../HttpFeedbackExporter.js';
import { HttpPredictionExporter } from '../HttpPredictionExporter.js';
import type { InstrumentOptions } from '../InstrumentOptions.js';
import type { FeedbackInput, Monitor, MonitorStats } from '../Monitor.js';
import type { MonitorOptions } from '../MonitorOptions.js';
import type { PredictionHandle } from '../PredictionHandle.js';
import type { StartPredictionOptions } from '../StartPredictionOptions.js';
import { BatchRecordProcessor } from './BatchRecordProcessor.js';
import { clearGlobalMonitor, setGlobalMonitor } from './global-monitor.js';
import { handleError, warn } from './handle-error.js';
import type { MonitorCore } from './MonitorCore.js';
import { DEFAULT_ENDPOINT } from './export/http-export-setup.js';
import { makePlan, PredictionCall } from './PredictionCall.js';
import { predictionScope } from './prediction-scope.js';
import { startProcessMetrics, type ProcessMetrics } from './process-metrics.js';
import { randomId } from './random-id.js';
import { withApiKey } from './api-key.js';
import { compilePolicy, type Redactor } from './redact.js';
import { resolveTracing } from './tracing.js';
import type { OwnTracerProvider } from './tracing/OwnTracerProvider.js';
import { wrapFunction } from './wrap-function.js';

/** The monitor behind `createMonitor`. */
export class MonitorImpl implements Monitor, MonitorCore {
  readonly tracer: Tracer;
  readonly sampleRate: number;
  readonly redact: Redactor;
  readonly service: string;
  readonly project: string | undefined;
  readonly environment: string | undefined;
  private readonly ownProvider: OwnTracerProvider | undefined;
  private readonly predictions: BatchRecordProcessor<PredictionRecord>;
  private readonly feedbackQueue: BatchRecordProcessor<FeedbackRecord>;
  private readonly shutdownTimeoutMillis: number;
  private sampledOut = 0;
  private active = true;
  private stopping: Promise<void> | undefined;
  /** Process metrics being started or running (`processMetrics` option). */
  private readonly processMetrics: Promise<ProcessMetrics | undefined> | undefined;

  constructor(options: MonitorOptions) {
    this.service = String(options.serviceName ?? '');
    this.project = options.project || undefined;
    this.environment = options.environment || undefined;
    this.sampleRate = validRate(options.sampleRate);
    this.redact = compilePolicy(options.features);
    this.shutdownTimeoutMillis = options.shutdownTimeoutMillis ?? 5000;
    const endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
    const headers = withApiKey(options.headers, options.apiKey);
    const compression = options.compression === 'gzip' ? 'gzip' : 'none';
    const ca = typeof options.ca === 'string' && options.ca ? options.ca : undefined;
    const http = { endpoint, headers, project: this.project, compression, ...(ca ? { ca } : {}) } as const;
    const onDataLoss = typeof options.onDataLoss === 'function' ? options.onDataLoss : undefined;
    this.predictions = new BatchRecordProcessor(options.exporter ?? new HttpPredictionExporter(http), options.batch, { queue: 'predictions', onDataLoss });
    this.feedbackQueue = new BatchRecordProcessor(options.feedbackExporter ?? new HttpFeedbackExporter(http), { maxQueueSize: 1024 }, { queue: 'feedback', onDataLoss });
    let tracer: Tracer;
    let own: OwnTracerProvider | undefined;
    try {
      ({ tracer, own } = resolveTracing({ ...options, endpoint, headers, ca, compression, project: this.project, environment: this.environment, onDataLoss }));
    } catch (error) {
      handleError('setting up tracing; spans are off', error);
      tracer = trace.getTracer('@inferlens/sdk');
    }
    this.tracer = tracer;
    this.ownProvider = own;
    if (options.processMetrics) {
      const metricsOptions = options.processMetrics === true ? {} : options.processMetrics;
      this.processMetrics = startProcessMetrics(metricsOptions, { serviceName: this.service, endpoint, headers, compression, project: this.project, environment: this.environment });
    }
    if (options.registerGlobal ?? true) setGlobalMonitor(this);
  }

  isActive(): boolean {
    return this.active;
  }

  instrument<F extends (...args: any[]) => any>(fn: F, options: InstrumentOptions<F>): F {
    return wrapFunction(fn, options, () => this);
  }

  startPrediction(options: StartPredictionOptions): PredictionHandle {
    const noop: PredictionHandle = { predictionId: options?.predictionId || randomId(), traceId: '', spanId: '', end() {}, fail() {} };
    if (!this.active) return noop;
    try {
      const sampled = this.sampleRate >= 1 || Math.random() < this.sampleRate;
      const segment = options.segment ?? '';
      const plan = makePlan(this, {
        model: String(options.model),
        version: options.version ?? '',
        kind: options.kind ?? 'predict',
        segment,
        attributes: options.attributes,
      });
      const id = options.predictionId;
      const call = new PredictionCall(
        plan,
        segment,
        options.features ? [options.features] : undefined,
        sampled,
        predictionScope.getStore()?.capture,
        id ? () => id : undefined,
        undefined,
      );
      if (options.embedding) call.embeddings = [options.embedding];
      const ctx = call.span.spanContext();
      const valid = trace.isSpanContextValid(ctx);
      return {
        predictionId: call.ids[0],
        traceId: valid ? ctx.traceId : '',
        spanId: valid ? ctx.spanId : '',
        end(result) {
          try {
            call.setResult(result?.output ? [result.output] : undefined, result?.usage);
          } catch (error) {
            handleError('PredictionHandle.end', error);
          }
          call.succeed();
        },
        fail(error) {
          call.fail(error);
        },
      };
    } catch (error) {
      handleError('startPrediction', error);
      return noop;
    }
  }

  feedback(predictionId: string, input: FeedbackInput): void {
    try {
      if (!this.active) return;
      const record: FeedbackRecord = {
        predictionId,
        timestamp: input.timestamp instanceof Date ? input.timestamp.getTime() : (input.timestamp ?? Date.now()),
        project: this.project ?? null,
        model: input.model ?? null,
        version: input.version ?? null,
        attributes: input.attributes ?? null,
      };
      if (input.label !== undefined) record.label = input.label;
      if (input.value !== undefined) record.value = input.value;
      const check = validateFeedback(record);
      if (!check.ok) {
        this.feedbackQueue.countDropped();
        warn(`feedback for ${JSON.stringify(predictionId)} left out: ${check.field}: ${check.message}`);
        return;
      }
      this.feedbackQueue.onEnd(record);
    } catch (error) {
      handleError('feedback', error);
    }
  }

  emit(record: PredictionRecord, bytes?: number): void {
    try {
      // The fast path: the call checked the record and bounded its size, no serializing on the
      // caller's stack (the exporter serializes the record when it sends the batch).
      if (bytes !== undefined) {
        this.predictions.onEndSized(record, bytes);
        return;
      }
      const check = validatePrediction(record);
      if (!check.ok) {
        this.predictions.countDropped();
        warn(`prediction ${JSON.stringify(record.predictionId)} left out: ${check.field}: ${check.message}`);
        return;
      }
      this.predictions.onEnd(record);
    } catch (error) {
      this.predictions.countDropped();
      handleError('queueing a prediction', error);
    }
  }

  countSampledOut(): void {
    this.sampledOut++;
  }

  async forceFlush(): Promise<void> {
    try {
      await Promise.all([this.predictions.forceFlush(), this.feedbackQueue.forceFlush(), this.ownProvider?.forceFlush(), this.processMetrics?.then((m) => m?.forceFlush())]);
    } catch (error) {
      handleError('forceFlush', error);
    }
  }

  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  stats(): MonitorStats {
    return { ...this.predictions.stats(), sampledOut: this.sampledOut, feedback: this.feedbackQueue.stats(), spans: this.ownProvider?.stats() ?? NO_SPANS };
  }

  private async stop(): Promise<void> {
    this.active = false;
    clearGlobalMonitor(this);
    const timeout = this.shutdownTimeoutMillis;
    try {
      await Promise.all([
        this.predictions.shutdown(timeout),
        this.feedbackQueue.shutdown(timeout),
        this.ownProvider?.shutdown(timeout),
        this.processMetrics?.then((m) => m?.shutdown()),
      ]);
    } catch (error) {
      handleError('shutdown', error);
    }
  }
}

/** The `spans` counts of a monitor whose spans go to another tracer provider. */
const NO_SPANS = Object.freeze({ exported: 0, dropped: 0, failed: 0, queued: 0 });

function validRate(rate: number | undefined): number {
  if (rate === undefined) return 1;
  if (typeof rate === 'number' && rate > 0 && rate <= 1) return rate;
  warn(`sampleRate must be in (0, 1], got ${String(rate)}; using 1`);
  return 1;
}
