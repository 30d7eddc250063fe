import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createMonitor } from '../../create-monitor.js';
import { InMemoryFeedbackExporter } from '../../InMemoryFeedbackExporter.js';
import { InMemoryPredictionExporter } from '../../InMemoryPredictionExporter.js';
import type { Monitor } from '../../Monitor.js';
import type { MonitorOptions } from '../../MonitorOptions.js';

/** A minimal AsyncLocalStorage context manager, so that tests can check parent/child spans. */
export class TestContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

/** A monitor wired to in-memory exporters and its own tracer provider (nothing global). */
export interface TestMonitor {
  monitor: Monitor;
  spans: InMemorySpanExporter;
  predictions: InMemoryPredictionExporter;
  feedback: InMemoryFeedbackExporter;
  provider: BasicTracerProvider;
}

export function testMonitor(options: Partial<MonitorOptions> = {}): TestMonitor {
  const spans = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const predictions = new InMemoryPredictionExporter();
  const feedback = new InMemoryFeedbackExporter();
  const monitor = createMonitor({
    serviceName: 'svc',
    tracerProvider: provider,
    exporter: predictions,
    feedbackExporter: feedback,
    registerGlobal: false,
    ...options,
  });
  return { monitor, spans, predictions, feedback, provider };
}
