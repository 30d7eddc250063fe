import type { Attributes, Tracer, TracerProvider } from '@opentelemetry/api';
import { ATTR_INFERLENS_ENVIRONMENT, ATTR_INFERLENS_PROJECT } from '@inferlens/semconv';
import type { ProcessorStats } from '../../ProcessorStats.js';
import { BatchRecordProcessor, type RecordExporter } from '../BatchRecordProcessor.js';
import { createOtlpSpanExporter } from '../export/create-exporters.js';
import { warn } from '../handle-error.js';
import type { DataLossListener } from '../LossReporter.js';
import { SCOPE_NAME, SDK_VERSION } from '../version.js';
import { OwnTracer } from './OwnTracer.js';
import type { RecordingSpan } from './RecordingSpan.js';

/** What the SDK's own tracer provider is made from. */
export interface OwnTracerOptions {
  serviceName: string;
  /** Collector base URL; spans go to `{endpoint}/v1/traces`. */
  endpoint: string;
  headers: Record<string, string>;
  /** CA certificates (PEM) to trust for an https: endpoint. */
  ca: string | undefined;
  compression: 'gzip' | 'none';
  project: string | undefined;
  environment: string | undefined;
  onDataLoss: DataLossListener | undefined;
  /** Tells whether the host has registered a global tracer provider since (checked once per span export until it has). */
  hostProviderRegistered: () => boolean;
}

/**
 * The tracer provider a monitor starts when the host has no OpenTelemetry of its own: an
 * `OwnTracer`, and its ended spans queued in a `BatchRecordProcessor` (batches of 512, 1 s,
 * the queue bounded to 2048 spans) and exported as OTLP/protobuf to `{endpoint}/v1/traces` by the
 * same transport as the prediction records (gzip and HTTP in the export worker, retried until
 * delivered, losses counted and reported as the `spans` queue). It needs no OpenTelemetry SDK
 * package, so the SDK works with any `@opentelemetry/api` 1.x the host has. Not registered
 * globally: only the monitor's prediction spans use it.
 *
 * Its resource: `service.name`, `inferlens.project`, `inferlens.environment` and the
 * `telemetry.sdk.*` attributes (`telemetry.sdk.name` = `@inferlens/sdk`).
 */
export class OwnTracerProvider implements TracerProvider {
  private readonly tracer: OwnTracer;
  private readonly spans: BatchRecordProcessor<RecordingSpan>;
  private warnedHost = false;

  constructor(private readonly options: OwnTracerOptions) {
    const resource: Attributes = {
      'service.name': options.serviceName,
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': SCOPE_NAME,
      'telemetry.sdk.version': SDK_VERSION,
    };
    if (options.project) resource[ATTR_INFERLENS_PROJECT] = options.project;
    if (options.environment) resource[ATTR_INFERLENS_ENVIRONMENT] = options.environment;
    const http = createOtlpSpanExporter({ endpoint: options.endpoint, headers: options.headers, project: options.project, compression: options.compression, ...(options.ca ? { ca: options.ca } : {}) }, resource, { name: SCOPE_NAME, version: SDK_VERSION });
    const exporter: RecordExporter<RecordingSpan> = {
      export: (batch) => {
        this.checkHostProvider();
        return http.export(batch);
      },
      shutdown: () => http.shutdown(),
    };
    this.spans = new BatchRecordProcessor(exporter, {}, { queue: 'spans', onDataLoss: options.onDataLoss });
    const spans = this.spans;
    this.tracer = new OwnTracer({ onEnd: (span) => spans.onEndSized(span, span.estimateBytes()) });
  }

  getTracer(): Tracer {
    return this.tracer;
  }

  /** Exports every span queued now. Never rejects. */
  forceFlush(): Promise<void> {
    return this.spans.forceFlush();
  }

  /** Exports what is queued within `timeoutMillis`, then stops. Never rejects. */
  shutdown(timeoutMillis = 30_000): Promise<void> {
    return this.spans.shutdown(timeoutMillis);
  }

  /** Counts of the span queue. */
  stats(): ProcessorStats {
    return this.spans.stats();
  }

  /**
   * A monitor created before the host started its OpenTelemetry runs this provider for good:
   * its spans miss the host's resource, processors and exporters. Said once, through `diag`.
   */
  private checkHostProvider(): void {
    if (this.warnedHost) return;
    try {
      if (!this.options.hostProviderRegistered()) return;
    } catch {
      return;
    }
    this.warnedHost = true;
    warn(
      'a global tracer provider was registered after createMonitor(): prediction spans still go to the SDK\'s own provider ' +
        `(service.name ${JSON.stringify(this.options.serviceName)}, exported to ${this.options.endpoint}/v1/traces), not to the host's, ` +
        "and carry none of the host's resource attributes. Create the monitor after the host starts OpenTelemetry " +
        "(e.g. after NodeSDK's start() or provider.register()), or pass the host's provider as `tracerProvider`.",
    );
  }
}
