import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_INFERLENS_ENVIRONMENT, ATTR_INFERLENS_PROJECT } from '@inferlens/semconv';
import { SCOPE_NAME, SDK_VERSION } from './version.js';

/** The tracer a monitor uses, and the provider it owns (and must flush and shut down), if any. */
export interface Tracing {
  tracer: Tracer;
  own: BasicTracerProvider | undefined;
}

/**
 * True when the host registered a global tracer provider. The API's global
 * is a `ProxyTracerProvider` whose `getDelegateTracer` answers `undefined`
 * until a real provider is set; asking it has no side effect.
 */
export function hasGlobalTracerProvider(): boolean {
  const global = trace.getTracerProvider();
  if (global instanceof ProxyTracerProvider) return global.getDelegateTracer(SCOPE_NAME, SDK_VERSION) !== undefined;
  return true;
}

/** Picks the tracer: the given provider, else the host's global one, else an own provider exporting to the collector. */
export function resolveTracing(options: {
  tracerProvider?: TracerProvider;
  serviceName: string;
  endpoint: string;
  headers: Record<string, string>;
  project: string | undefined;
  environment: string | undefined;
}): Tracing {
  if (options.tracerProvider) return { tracer: options.tracerProvider.getTracer(SCOPE_NAME, SDK_VERSION), own: undefined };
  if (hasGlobalTracerProvider()) return { tracer: trace.getTracer(SCOPE_NAME, SDK_VERSION), own: undefined };
  const headers = { ...options.headers };
  if (options.project) headers['x-inferlens-project'] = options.project;
  const attributes: Record<string, string> = { 'service.name': options.serviceName };
  if (options.project) attributes[ATTR_INFERLENS_PROJECT] = options.project;
  if (options.environment) attributes[ATTR_INFERLENS_ENVIRONMENT] = options.environment;
  const own = new BasicTracerProvider({
    resource: resourceFromAttributes(attributes),
    // Batches of 128 spans instead of 512: the OTLP/protobuf encoding of a batch runs on the event
    // loop (about 4 µs a span), so a 512-span batch held the host's requests for ~2 ms (the p99).
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces`, headers }), { maxExportBatchSize: 128 })],
  });
  return { tracer: own.getTracer(SCOPE_NAME, SDK_VERSION), own };
}
