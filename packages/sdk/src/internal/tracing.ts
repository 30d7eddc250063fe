import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { OwnTracerProvider, type OwnTracerOptions } from './tracing/OwnTracerProvider.js';
import { SCOPE_NAME, SDK_VERSION } from './version.js';

/** The tracer a monitor uses, and the provider it owns (and must flush and shut down), if any. */
export interface Tracing {
  tracer: Tracer;
  own: OwnTracerProvider | undefined;
}

/**
 * True when the host registered a global tracer provider. The API's global
 * is a `ProxyTracerProvider` whose `getDelegateTracer` answers `undefined`
 * until a real provider is set; asking it has no side effect beyond the
 * tracer the host's provider hands out (and caches).
 */
export function hasGlobalTracerProvider(): boolean {
  const global = trace.getTracerProvider();
  if (global instanceof ProxyTracerProvider) return global.getDelegateTracer(SCOPE_NAME, SDK_VERSION) !== undefined;
  return true;
}

/** Picks the tracer: the given provider, else the host's global one, else an own provider exporting to the collector. */
export function resolveTracing(options: Omit<OwnTracerOptions, 'hostProviderRegistered'> & { tracerProvider?: TracerProvider }): Tracing {
  if (options.tracerProvider) return { tracer: options.tracerProvider.getTracer(SCOPE_NAME, SDK_VERSION), own: undefined };
  if (hasGlobalTracerProvider()) return { tracer: trace.getTracer(SCOPE_NAME, SDK_VERSION), own: undefined };
  const { serviceName, endpoint, headers, ca, compression, project, environment, onDataLoss } = options;
  const own = new OwnTracerProvider({ serviceName, endpoint, headers, ca, compression, project, environment, onDataLoss, hostProviderRegistered: hasGlobalTracerProvider });
  return { tracer: own.getTracer(), own };
}
