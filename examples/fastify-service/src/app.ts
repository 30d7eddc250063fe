import Fastify, { type FastifyInstance } from 'fastify';
import { context, propagation, ROOT_CONTEXT, type Tracer } from '@opentelemetry/api';
import { capturePredictionIds, type Monitor } from '@inferlens/sdk';
import { fraudModel, type FraudScore, type Transaction } from './fraud-model.js';

/** A fraud model: `fraudModel` (a no-op-cost logistic function) or `makeTreeFraudModel()`. */
export interface FraudModel {
  score(tx: Transaction): Promise<FraudScore>;
}

/** Options of `buildApp`. */
export interface AppOptions {
  /**
   * The monitor that instruments the model. Without one the model is called
   * unwrapped (the benchmark's baseline) and `/feedback` answers 501.
   * @default undefined
   */
  monitor?: Monitor;
  /**
   * The model to serve.
   * @default fraudModel
   */
  model?: FraudModel;
  /**
   * Run the model call in the context extracted from the request's W3C headers (needs a context
   * manager and the W3C propagator, see server.ts). Without a monitor this only measures what the
   * trace-context plumbing costs (the benchmark's "context only" case).
   * @default monitor !== undefined
   */
  traceContext?: boolean;
  /**
   * Without a monitor: wrap each model call in a span of this tracer, with the model's name,
   * version and score as attributes: what plain OpenTelemetry costs, for the benchmark (the
   * floor under any SDK that makes a span per prediction).
   * @default undefined
   */
  tracer?: Tracer;
}

const transactionSchema = {
  type: 'object',
  required: ['amount', 'country', 'channel', 'hoursSinceLast'],
  additionalProperties: false,
  properties: {
    amount: { type: 'number', minimum: 0 },
    country: { type: 'string', minLength: 2, maxLength: 2 },
    channel: { type: 'string', enum: ['web', 'ios', 'android', 'pos'] },
    hoursSinceLast: { type: 'number', minimum: 0 },
    email: { type: 'string', maxLength: 256 },
  },
} as const;

const predictReply = {
  200: {
    type: 'object',
    properties: { predictionId: { type: 'string' }, score: { type: 'number' }, fraud: { type: 'boolean' } },
  },
} as const;

const feedbackSchema = {
  type: 'object',
  required: ['predictionId', 'label'],
  additionalProperties: false,
  properties: {
    predictionId: { type: 'string', minLength: 1, maxLength: 256 },
    label: { type: 'string', enum: ['fraud', 'legit'] },
  },
} as const;

/**
 * The fraud-scoring service:
 *
 * - `POST /predict` takes a `Transaction`, answers `{ predictionId, score, fraud }`.
 *   A W3C `traceparent` header on the request becomes the parent of the
 *   prediction span, so the caller's trace continues into the model call.
 * - `POST /feedback` takes `{ predictionId, label }` (the chargeback outcome,
 *   known days later) and hands it to `monitor.feedback`; answers 202.
 * - `GET /stats` answers the monitor's counts (`monitor.stats()`).
 *
 * @example
 * ```ts
 * const monitor = createMonitor({ serviceName: 'fraud-service', endpoint: 'http://127.0.0.1:4318' });
 * const app = buildApp({ monitor });
 * await app.listen({ port: 3000 });
 * ```
 */
export function buildApp(options: AppOptions = {}): FastifyInstance {
  const { monitor, model = fraudModel } = options;
  const traceContext = options.traceContext ?? monitor !== undefined;
  const app = Fastify({ logger: false });

  const tracer = options.tracer;
  const score: (tx: Transaction) => Promise<FraudScore> = monitor
    ? monitor.instrument(model.score, {
        model: 'fraud',
        version: 'v3',
        features: ([tx]) => ({ amount: tx.amount, country: tx.country, channel: tx.channel, hoursSinceLast: tx.hoursSinceLast, email: tx.email }),
        output: (r) => ({ score: r.score, fraud: r.fraud }),
      })
    : tracer
      ? (tx) =>
          tracer.startActiveSpan('predict fraud', { attributes: { 'inferlens.model.name': 'fraud', 'inferlens.model.version': 'v3' } }, async (span) => {
            try {
              const r = await model.score(tx);
              span.setAttributes({ 'fraud.score': r.score, 'fraud.flagged': r.fraud });
              return r;
            } finally {
              span.end();
            }
          })
      : model.score;

  app.post<{ Body: Transaction }>('/predict', { schema: { body: transactionSchema, response: predictReply } }, async (request) => {
    if (!monitor) {
      const r = traceContext ? await context.with(propagation.extract(ROOT_CONTEXT, request.headers), score, undefined, request.body) : await score(request.body);
      return { predictionId: '', score: r.score, fraud: r.fraud };
    }
    // The incoming traceparent (if any) is the parent of the prediction span. This needs a
    // context manager (see server.ts); a host running the OpenTelemetry HTTP instrumentation
    // gets the same from its server span without this line.
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const { result, predictionIds } = context.with(parent, () => capturePredictionIds(() => score(request.body)));
    const r = await result;
    return { predictionId: predictionIds[0], score: r.score, fraud: r.fraud };
  });

  app.post<{ Body: { predictionId: string; label: 'fraud' | 'legit' } }>('/feedback', { schema: { body: feedbackSchema } }, async (request, reply) => {
    if (!monitor) return reply.code(501).send({ error: 'NOT_INSTRUMENTED', message: 'this instance runs without the SDK' });
    monitor.feedback(request.body.predictionId, { label: request.body.label, model: 'fraud', version: 'v3' });
    return reply.code(202).send({ accepted: true });
  });

  app.get('/stats', async () => monitor?.stats() ?? { sdk: false });

  return app;
}
