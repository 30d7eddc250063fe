/**
 * The context key with which OpenTelemetry's `suppressTracing` (from `@opentelemetry/core`)
 * turns tracing off, e.g. around an exporter's own requests. `createContextKey` makes keys
 * with `Symbol.for`, so the same key is found without depending on that package.
 */
export const SUPPRESS_TRACING_KEY = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING');
