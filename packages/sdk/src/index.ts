/**
 * `@inferlens/sdk`: instrument model inference calls in a Node service. Each
 * call becomes an OpenTelemetry span and a prediction record; feedback
 * (ground truth) follows later. Everything is exported in the background to
 * the Inferlens collector, and nothing the SDK does throws into your code.
 *
 * @example
 * ```ts
 * import { capturePredictionIds, createMonitor } from '@inferlens/sdk';
 *
 * const monitor = createMonitor({ serviceName: 'crm', endpoint: 'http://127.0.0.1:4318' });
 * const predict = monitor.instrument(churnModel.predict, {
 *   model: 'churn', version: 'v3',
 *   features: ([c]) => ({ age: c.age, plan: c.plan }),
 *   output: (p) => ({ score: p.score }),
 * });
 * const { result, predictionIds: [id] } = capturePredictionIds(() => predict(customer));
 * const p = await result;
 * // later: monitor.feedback(id, { label: 'churned' });
 * await monitor.shutdown();
 * ```
 * @packageDocumentation
 */
export { BatchPredictionProcessor } from './BatchPredictionProcessor.js';
export type { BatchProcessorConfig } from './BatchProcessorConfig.js';
export type { DataLossReasons, DataLossReport } from './DataLossReport.js';
export { createMonitor } from './create-monitor.js';
export type { FeaturePolicy } from './FeaturePolicy.js';
export type { FeedbackExporter } from './FeedbackExporter.js';
export type { HttpExporterOptions } from './HttpExporterOptions.js';
export { HttpFeedbackExporter } from './HttpFeedbackExporter.js';
export { HttpPredictionExporter } from './HttpPredictionExporter.js';
export { InMemoryFeedbackExporter } from './InMemoryFeedbackExporter.js';
export { InMemoryPredictionExporter } from './InMemoryPredictionExporter.js';
export { instrument } from './instrument.js';
export type {
  BaseInstrumentOptions,
  BatchInstrumentOptions,
  ChunkOf,
  Features,
  GenAiUsage,
  InferenceKind,
  InstrumentOptions,
  ResultOf,
  SingleInstrumentOptions,
} from './InstrumentOptions.js';
export type { FeedbackInput, Monitor, MonitorStats } from './Monitor.js';
export type { MonitorOptions } from './MonitorOptions.js';
export type { ProcessMeterProvider, ProcessMetricsOptions } from './ProcessMetricsOptions.js';
export { capturePredictionIds, getPredictionId, getPredictionIds } from './prediction-context.js';
export type { PredictionExporter } from './PredictionExporter.js';
export type { PredictionHandle } from './PredictionHandle.js';
export type { ProcessorStats } from './ProcessorStats.js';
export { RetryableExportError } from './RetryableExportError.js';
export type { StartPredictionOptions } from './StartPredictionOptions.js';
export { ExportResultCode } from './ExportResult.js';
export type { ExportResult } from './ExportResult.js';
