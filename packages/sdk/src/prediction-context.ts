import { predictionScope } from './internal/prediction-scope.js';

/**
 * The prediction id of the instrumented call running in the current async
 * context, read from an `AsyncLocalStorage`: valid inside the wrapped
 * function (and whatever it awaits), `undefined` elsewhere. For a batch
 * call, the id of item 0; see `getPredictionIds`.
 *
 * @example
 * ```ts
 * const predict = monitor.instrument(async (x: Input) => ({ score: await model(x), predictionId: getPredictionId() }), { model: 'm' });
 * ```
 */
export function getPredictionId(): string | undefined {
  return predictionScope.getStore()?.predictionIds?.[0];
}

/** Like `getPredictionId`, with every id of a batch call, in item order. Empty outside an instrumented call. */
export function getPredictionIds(): readonly string[] {
  return predictionScope.getStore()?.predictionIds ?? [];
}

/**
 * Runs `fn` and collects the prediction ids of the instrumented calls it
 * starts (directly, not those nested inside other instrumented calls), in
 * start order. Each call of `capturePredictionIds` has its own list, so
 * concurrent requests never see each other's ids. The list is filled as the
 * calls start: for async code, read it after awaiting `result`.
 *
 * @example
 * ```ts
 * app.post('/score', async (req) => {
 *   const { result, predictionIds } = capturePredictionIds(() => predict(req.body));
 *   return { score: await result, predictionId: predictionIds[0] };
 * });
 * ```
 */
export function capturePredictionIds<T>(fn: () => T): { result: T; predictionIds: string[] } {
  const capture: string[] = [];
  const result = predictionScope.run({ capture }, fn);
  return { result, predictionIds: capture };
}
