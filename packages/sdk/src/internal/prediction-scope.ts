import { AsyncLocalStorage } from 'node:async_hooks';

/** What the SDK keeps in the async context. */
export interface PredictionScope {
  /** Ids of the instrumented call running in this context (one per item for a batch). */
  readonly predictionIds?: readonly string[];
  /** Set by `capturePredictionIds`: instrumented calls started directly in this context push their ids here. */
  readonly capture?: string[];
}

/** The SDK's one AsyncLocalStorage. */
export const predictionScope = new AsyncLocalStorage<PredictionScope>();
