import { context } from '@opentelemetry/api';
import type { Features, GenAiUsage, InstrumentOptions } from '../InstrumentOptions.js';
import { handleError } from './handle-error.js';
import type { MonitorCore } from './MonitorCore.js';
import { PredictionCall } from './PredictionCall.js';
import { predictionScope } from './prediction-scope.js';
import { isAsyncIterable, wrapStream } from './wrap-stream.js';

type AnyFn = (...args: any[]) => any;

/**
 * Runs one call of an instrumented function. SDK work before and after the
 * call is fenced off: if it fails, the call still runs (or its result is
 * still returned) unchanged. The caller's own exceptions and rejections pass
 * through as the same objects.
 */
export function runInstrumented(core: MonitorCore, fn: AnyFn, thisArg: unknown, args: unknown[], options: InstrumentOptions<AnyFn>): unknown {
  let call: PredictionCall | undefined;
  try {
    call = startCall(core, args, options);
  } catch (error) {
    handleError('starting a prediction', error);
  }
  if (!call) return Reflect.apply(fn, thisArg, args);
  const started = call;
  let result: unknown;
  try {
    result = context.with(started.context, () => predictionScope.run(started.scope, () => Reflect.apply(fn, thisArg, args)));
  } catch (error) {
    started.fail(error);
    throw error;
  }
  try {
    return observe(started, result, options);
  } catch (error) {
    handleError('observing a result', error);
    return result;
  }
}

function startCall(core: MonitorCore, args: unknown[], options: InstrumentOptions<AnyFn>): PredictionCall {
  const sampled = core.sampleRate >= 1 || Math.random() < core.sampleRate;
  const batch = options.kind === 'batch';
  let features: Features[] | undefined;
  if (options.features && (sampled || batch)) {
    const extracted = guard('features option', () => options.features!(args as never));
    features = batch ? (Array.isArray(extracted) ? (extracted as Features[]) : undefined) : extracted ? [extracted as Features] : undefined;
  }
  const segment = typeof options.segment === 'function' ? guard('segment option', () => (options.segment as AnyFn)(args)) : options.segment;
  const makeId = options.predictionId;
  return new PredictionCall(
    core,
    {
      model: String(options.model),
      version: options.version ?? '',
      kind: options.kind ?? 'predict',
      segment: typeof segment === 'string' ? segment : '',
      attributes: options.attributes ?? {},
      features,
      makeId: makeId ? (index) => makeId(args as never, index) : undefined,
    },
    sampled,
    predictionScope.getStore()?.capture,
  );
}

function observe(call: PredictionCall, result: unknown, options: InstrumentOptions<AnyFn>): unknown {
  if (result instanceof Promise) {
    if (Object.getPrototypeOf(result) === Promise.prototype) {
      // A native promise: chaining returns the same type, and lets a resolved stream be wrapped.
      return result.then(
        (value: unknown) => settle(call, value, options),
        (error: unknown) => {
          call.fail(error);
          throw error;
        },
      );
    }
    // A Promise subclass (e.g. an SDK's APIPromise with extra methods): keep the object, observe on the side.
    result.then(
      (value: unknown) => settleValue(call, value, options),
      (error: unknown) => call.fail(error),
    );
    return result;
  }
  return settle(call, result, options);
}

function settle(call: PredictionCall, value: unknown, options: InstrumentOptions<AnyFn>): unknown {
  try {
    if (options.kind !== 'batch' && isAsyncIterable(value)) {
      return wrapStream(value, {
        chunk: (chunk) =>
          call.onChunk(
            options.output ? guard('output option', () => options.output!(chunk as never) as Features) : undefined,
            options.usage ? guard('usage option', () => options.usage!(chunk as never)) : undefined,
          ),
        done: () => call.succeed(),
        failed: (error) => call.fail(error),
      });
    }
    settleValue(call, value, options);
  } catch (error) {
    handleError('observing a result', error);
  }
  return value;
}

function settleValue(call: PredictionCall, value: unknown, options: InstrumentOptions<AnyFn>): void {
  let outputs: Features[] | undefined;
  let usage: GenAiUsage | undefined;
  if (options.output) {
    const out = guard('output option', () => options.output!(value as never));
    if (options.kind === 'batch') outputs = Array.isArray(out) ? (out as Features[]) : undefined;
    else if (out) outputs = [out as Features];
  }
  if (options.kind !== 'batch' && options.usage) usage = guard('usage option', () => options.usage!(value as never));
  call.setResult(outputs, usage);
  call.succeed();
}

function guard<T>(where: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    handleError(where, error);
    return undefined;
  }
}
