// The demo's forecast service, in the demo's own process: each request is one city's day. It
// answers with v1's forecast, scores v2 (the candidate) in shadow on the same input, and has the
// toy writer stream a one-sentence summary. Instrumented with @inferlens/sdk; its own spans (the
// request, the observation lookup) come from the same OpenTelemetry tracer provider, so a
// request is one trace: the request span, the lookup, both predictions and the summary.
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { capturePredictionIds, createMonitor } from '@inferlens/sdk';
import { replayTracerProvider } from './replay-clock.mjs';
import { writeSummary } from './toy-writer.mjs';
import { featuresOf } from './weather.mjs';

/** Name of the forecasting model in every record. */
export const MODEL = 'rain-tomorrow';
/** Name of the toy generator in every record. */
export const TOY_MODEL = 'toy-writer';

/**
 * Starts the service's telemetry and returns `forecast(day)` and `feedback(...)`.
 * @param {object} options
 * @param {string} options.endpoint collector base URL
 * @param {string} options.project Inferlens project
 * @param {import('./replay-clock.mjs').ReplayClock} options.clock
 * @param {{ version: string, predict(day): { score: number, label: string } }} options.baseline v1
 * @param {{ version: string, predict(day): { score: number, label: string } }} options.candidate v2
 */
export function startWeatherService({ endpoint, project, clock, baseline, candidate }) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'weather-service', 'deployment.environment.name': 'demo' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, headers: { 'x-inferlens-project': project } }), { scheduledDelayMillis: 250 })],
  });
  const tracerProvider = replayTracerProvider(provider, clock);
  const tracer = tracerProvider.getTracer('weather-service');
  const monitor = createMonitor({
    serviceName: 'weather-service',
    endpoint,
    project,
    environment: 'demo',
    tracerProvider,
    batch: { scheduledDelayMillis: 200 },
    registerGlobal: false,
  });

  const instrumentModel = (model, role) =>
    monitor.instrument((day) => model.predict(day), {
      model: MODEL,
      version: model.version,
      attributes: { 'deployment.role': role },
      features: ([day]) => featuresOf(day),
      output: (r) => ({ score: r.score, label: r.label }),
    });
  const predictV1 = instrumentModel(baseline, 'production');
  const predictV2 = instrumentModel(candidate, 'shadow');
  const summarise = monitor.instrument(writeSummary, {
    model: TOY_MODEL,
    version: 't1',
    kind: 'chat',
    features: ([day]) => ({ city: day.city, weather: day.weather }),
    // Every chunk of the toy writer carries a word: the first one is the first token.
    hasContent: (chunk) => chunk.text.trim() !== '',
    // A stream's extractors get its chunks once, when it ends.
    output: (chunks) => ({ tokens: chunks.length }),
    usage: (chunks) => {
      const last = chunks.at(-1);
      return { inputTokens: last?.promptTokens, outputTokens: chunks.length, responseModel: 'toy-writer-0.1', ...(last?.last ? { finishReasons: ['stop'] } : {}) };
    },
  });

  /**
   * Serves one request; resolves with the prediction ids of v1 and v2 (v2's is there even when
   * it failed, as its record is).
   * @param {import('./weather.mjs').Day} day
   */
  async function forecast(day) {
    const attributes = { 'http.request.method': 'GET', 'http.route': '/forecast', 'url.path': '/forecast', 'weather.city': day.city, 'weather.date': day.date };
    return tracer.startActiveSpan('GET /forecast', { kind: SpanKind.SERVER, attributes }, async (span) => {
      try {
        tracer.startActiveSpan('load observations', { attributes: { 'db.system.name': 'memory', 'weather.city': day.city } }, (s) => s.end());
        const v1 = capturePredictionIds(() => predictV1(day));
        const v2 = capturePredictionIds(() => {
          try {
            predictV2(day);
          } catch {
            // The shadow's failure is on its span and record; the answer is v1's.
          }
        });
        let summary = '';
        for await (const chunk of summarise(day, v1.result)) summary += chunk.text;
        span.setAttribute('http.response.status_code', 200);
        return { v1: v1.predictionIds[0], v2: v2.predictionIds[0], forecast: v1.result, summary };
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** Sends the truth about an earlier prediction, stamped with the replay clock. */
  function feedback(predictionId, version, label) {
    monitor.feedback(predictionId, { label, model: MODEL, version, timestamp: clock.now() });
  }

  /** Exports what is queued and stops the exporters. */
  async function shutdown() {
    await monitor.shutdown();
    await provider.shutdown();
  }

  return { forecast, feedback, shutdown, stats: () => monitor.stats() };
}
