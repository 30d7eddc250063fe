/** Instrumentation scope name of the SDK's tracer. */
export const SCOPE_NAME = '@inferlens/sdk';

/** Version of this package, reported as the instrumentation scope version. */
export const SDK_VERSION = '0.1.0';
