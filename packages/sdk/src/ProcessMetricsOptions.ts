/**
 * The part of an OpenTelemetry `MeterProvider` the SDK uses. Written out rather than imported
 * from `@opentelemetry/api`, whose `MeterProvider` type only exists from API 1.3 on (the SDK
 * accepts 1.0): any `MeterProvider` of `@opentelemetry/sdk-metrics` fits.
 */
export interface ProcessMeterProvider {
  getMeter(name: string, version?: string, options?: object): unknown;
}

/**
 * `MonitorOptions.processMetrics`: the serving process's own resource use as OpenTelemetry
 * metrics, recorded by OpenTelemetry's `@opentelemetry/host-metrics` (CPU: `process.cpu.time`,
 * `process.cpu.utilization`; memory: `process.memory.usage`) and
 * `@opentelemetry/instrumentation-runtime-node` (event-loop delay `nodejs.eventloop.delay.*`
 * and utilization, V8 heap `v8js.memory.heap.*`, GC `v8js.gc.duration`). Both are optional peer
 * dependencies: install them to use this option.
 */
export interface ProcessMetricsOptions {
  /**
   * Where the metrics are recorded. When omitted: the global meter provider if the host
   * registered one (e.g. `NodeSDK` with a metric reader), else a `MeterProvider` of the
   * monitor's own (`@opentelemetry/sdk-metrics` and `@opentelemetry/exporter-metrics-otlp-http`
   * must then be installed) that exports OTLP/JSON to `{endpoint}/v1/metrics` every
   * `exportIntervalMillis`, with the monitor's resource (`service.name`, project, environment)
   * and headers, flushed by `forceFlush()` and shut down by `shutdown()`.
   * @default the global provider, or an own one
   */
  meterProvider?: ProcessMeterProvider;
  /** How often the own meter provider exports. @default 10000 */
  exportIntervalMillis?: number;
  /** Sampling step of the event-loop delay histogram, in milliseconds (`monitoringPrecision`). @default 10 */
  eventLoopDelayResolutionMillis?: number;
  /**
   * Metric groups of `@opentelemetry/host-metrics`: the process's by default; add
   * `'system.cpu'`, `'system.memory'`, `'system.network'` for the whole host.
   * @default ['process.cpu', 'process.memory']
   */
  hostMetricGroups?: string[];
}
