import * as otel from '@opentelemetry/api';
import type { ProcessMeterProvider, ProcessMetricsOptions } from '../ProcessMetricsOptions.js';
import { handleError, warn } from './handle-error.js';
import { ATTR_INFERLENS_ENVIRONMENT, ATTR_INFERLENS_PROJECT } from '@inferlens/semconv';
import { SCOPE_NAME, SDK_VERSION } from './version.js';

/** What a monitor needs to set up process metrics. */
export interface ProcessMetricsSetup {
  serviceName: string;
  endpoint: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  project: string | undefined;
  environment: string | undefined;
}

/** Process metrics in progress: flushed and stopped with the monitor. */
export interface ProcessMetrics {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface OwnMeterProvider extends ProcessMeterProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface RuntimeInstrumentation {
  setMeterProvider(provider: unknown): void;
  enable(): void;
  disable(): void;
}

/**
 * Starts recording the process's CPU, memory and event-loop delay with OpenTelemetry's
 * `@opentelemetry/host-metrics` and `@opentelemetry/instrumentation-runtime-node`, loaded
 * when asked for (they are optional peers). Never rejects: a missing package or a failure is
 * logged through `diag`, and the monitor carries on without metrics.
 */
export async function startProcessMetrics(options: ProcessMetricsOptions, setup: ProcessMetricsSetup): Promise<ProcessMetrics | undefined> {
  const metricsApi = (otel as { metrics?: { getMeterProvider(): ProcessMeterProvider } }).metrics;
  if (metricsApi === undefined) {
    warn('processMetrics needs @opentelemetry/api 1.3 or newer (its metrics API); no process metrics');
    return undefined;
  }
  let own: OwnMeterProvider | undefined;
  let runtime: RuntimeInstrumentation | undefined;
  try {
    let provider = options.meterProvider;
    if (provider === undefined) {
      const global = metricsApi.getMeterProvider();
      provider = isNoop(global) ? (own = await ownMeterProvider(options, setup)) : global;
    }
    const { HostMetrics } = (await import('@opentelemetry/host-metrics')) as unknown as {
      HostMetrics: new (config: { meterProvider: unknown; name: string; metricGroups: string[] }) => { start(): void };
    };
    new HostMetrics({ meterProvider: provider, name: SCOPE_NAME, metricGroups: options.hostMetricGroups ?? ['process.cpu', 'process.memory'] }).start();
    const { RuntimeNodeInstrumentation } = (await import('@opentelemetry/instrumentation-runtime-node')) as unknown as {
      RuntimeNodeInstrumentation: new (config: { enabled: boolean; monitoringPrecision: number }) => RuntimeInstrumentation;
    };
    // Created disabled, so that it never records on the global provider before it has its own.
    runtime = new RuntimeNodeInstrumentation({ enabled: false, monitoringPrecision: options.eventLoopDelayResolutionMillis ?? 10 });
    runtime.setMeterProvider(provider);
    runtime.enable();
  } catch (error) {
    handleError(
      'processMetrics: needs @opentelemetry/host-metrics and @opentelemetry/instrumentation-runtime-node' +
        (options.meterProvider === undefined ? ' (and, without a meter provider, @opentelemetry/sdk-metrics and @opentelemetry/exporter-metrics-otlp-http)' : '') +
        ' installed beside @inferlens/sdk; no process metrics',
      error,
    );
    runtime?.disable();
    await own?.shutdown().catch(() => undefined);
    return undefined;
  }
  const instrumentation = runtime;
  return {
    forceFlush: async () => {
      await own?.forceFlush();
    },
    shutdown: async () => {
      instrumentation.disable();
      await own?.shutdown();
    },
  };
}

/**
 * True for the API's no-op meter provider (what `metrics.getMeterProvider()` answers until a
 * host registers one): its meters are of the class of the API's own no-op meter.
 */
function isNoop(provider: ProcessMeterProvider): boolean {
  const createNoopMeter = (otel as { createNoopMeter?: () => object }).createNoopMeter;
  if (typeof createNoopMeter === 'function') {
    const meter = provider.getMeter(SCOPE_NAME, SDK_VERSION) as object | undefined;
    return meter?.constructor === createNoopMeter().constructor;
  }
  return provider.constructor?.name === 'NoopMeterProvider';
}

async function ownMeterProvider(options: ProcessMetricsOptions, setup: ProcessMetricsSetup): Promise<OwnMeterProvider> {
  const [sdk, exporterModule, resources] = (await Promise.all([
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/exporter-metrics-otlp-http'),
    import('@opentelemetry/resources'),
  ])) as unknown as [
    {
      MeterProvider: new (config: { resource: unknown; readers: unknown[] }) => OwnMeterProvider;
      PeriodicExportingMetricReader: new (config: { exporter: unknown; exportIntervalMillis: number; exportTimeoutMillis: number }) => unknown;
    },
    { OTLPMetricExporter: new (config: { url: string; headers: Record<string, string>; compression?: string }) => unknown },
    { resourceFromAttributes?: (attributes: Record<string, string>) => unknown; Resource?: new (attributes: Record<string, string>) => unknown },
  ];
  const attributes: Record<string, string> = { 'service.name': setup.serviceName, 'telemetry.sdk.name': SCOPE_NAME, 'telemetry.sdk.version': SDK_VERSION };
  if (setup.project) attributes[ATTR_INFERLENS_PROJECT] = setup.project;
  if (setup.environment) attributes[ATTR_INFERLENS_ENVIRONMENT] = setup.environment;
  const resource = resources.resourceFromAttributes ? resources.resourceFromAttributes(attributes) : new resources.Resource!(attributes);
  const headers = { ...setup.headers };
  if (setup.project) headers['x-inferlens-project'] = setup.project;
  const exporter = new exporterModule.OTLPMetricExporter({
    url: `${setup.endpoint}/v1/metrics`,
    headers,
    ...(setup.compression === 'gzip' ? { compression: 'gzip' } : {}),
  });
  const interval = options.exportIntervalMillis ?? 10_000;
  const reader = new sdk.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: interval, exportTimeoutMillis: Math.min(interval, 30_000) });
  return new sdk.MeterProvider({ resource, readers: [reader] });
}
