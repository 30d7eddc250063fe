import { context } from '@opentelemetry/api';
import type { Features, GenAiUsage, InstrumentOptions } from '../InstrumentOptions.js';
import { handleError } from './handle-error.js';
import type { MonitorCore } from './MonitorCore.js';
import { makePlan, PredictionCall, type CallPlan, type IdChooser } from './PredictionCall.js';
import { predictionScope, type PredictionScope } from './prediction-scope.js';
import { isAsyncIterable, wrapStream } from './wrap-stream.js';

type AnyFn = (...args: any[]) => any;

/** Where a wrapper keeps its plan: built on the first call, rebuilt when the monitor changes. */
export interface PlanSlot {
  plan: CallPlan | undefined;
}

/**
 * Runs one call of an instrumented function. SDK work before and after the
 * call is fenced off: if it fails, the call still runs (or its result is
 * still returned) unchanged. The caller's own exceptions and rejections pass
 * through as the same objects.
 */
export function runInstrumented(core: MonitorCore, fn: AnyFn, thisArg: unknown, args: unknown[], options: InstrumentOptions<AnyFn>, slot: PlanSlot): unknown {
  let call: PredictionCall | undefined;
  try {
    let plan = slot.plan;
    if (plan === undefined || plan.core !== core) plan = slot.plan = planOf(core, options);
    call = startCall(plan, args, options);
  } catch (error) {
    handleError('starting a prediction', error);
  }
  if (!call) return Reflect.apply(fn, thisArg, args);
  let result: unknown;
  try {
    // No closures: both `with` and `run` pass extra arguments on to their callback.
    result = context.with(call.context, runInScope, undefined, call.scope, fn, thisArg, args);
  } catch (error) {
    call.fail(error);
    throw error;
  }
  try {
    return observe(call, result, options);
  } catch (error) {
    handleError('observing a result', error);
    return result;
  }
}

function runInScope(scope: PredictionScope, fn: AnyFn, thisArg: unknown, args: unknown[]): unknown {
  return predictionScope.run(scope, Reflect.apply, fn, thisArg, args);
}

function planOf(core: MonitorCore, options: InstrumentOptions<AnyFn>): CallPlan {
  return makePlan(core, {
    model: String(options.model),
    version: options.version ?? '',
    kind: options.kind ?? 'predict',
    segment: typeof options.segment === 'string' ? options.segment : '',
    attributes: options.attributes,
    provider: options.kind !== 'batch' && typeof options.provider === 'string' ? options.provider : undefined,
    usageOnSpan: options.kind !== 'batch' ? options.usageOnSpan : undefined,
  });
}

function startCall(plan: CallPlan, args: unknown[], options: InstrumentOptions<AnyFn>): PredictionCall {
  const core = plan.core;
  const sampled = core.sampleRate >= 1 || Math.random() < core.sampleRate;
  const batch = plan.kind === 'batch';
  let features: Features[] | undefined;
  if (options.features && (sampled || batch)) {
    const extracted = guard('features option', options, options.features as AnyFn, args);
    features = batch ? (Array.isArray(extracted) ? (extracted as Features[]) : undefined) : extracted ? [extracted as Features] : undefined;
  }
  let segment = plan.segment;
  if (typeof options.segment === 'function') {
    const s = guard('segment option', options, options.segment as AnyFn, args);
    segment = typeof s === 'string' ? s : '';
  }
  return new PredictionCall(plan, segment, features, sampled, predictionScope.getStore()?.capture, options.predictionId as IdChooser | undefined, args);
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
    return observeSubclass(call, result, options);
  }
  return settle(call, result, options);
}

/**
 * A Promise subclass (e.g. openai's `APIPromise`, with `withResponse()` and the like):
 * returns a proxy of the same object (its class, `instanceof` and methods kept), whose
 * `then`/`catch`/`finally` resolve to the observed value, so that a stream it resolves
 * to is instrumented like any other. The observing chain is marked handled: a caller
 * who only uses another method (`withResponse()`) gets no unhandled rejection from it.
 */
function observeSubclass(call: PredictionCall, result: Promise<unknown>, options: InstrumentOptions<AnyFn>): Promise<unknown> {
  let original: unknown;
  let replaced: unknown;
  const observed = result.then(
    (value: unknown) => {
      original = value;
      return (replaced = settle(call, value, options));
    },
    (error: unknown) => {
      call.fail(error);
      throw error;
    },
  );
  observed.catch(noop);
  const nativeThen = Promise.prototype.then;
  return new Proxy(result, {
    get(target, property) {
      if (property === 'then') return (onFulfilled?: AnyFn, onRejected?: AnyFn) => nativeThen.call(observed, onFulfilled, onRejected);
      if (property === 'catch') return (onRejected?: AnyFn) => nativeThen.call(observed, undefined, onRejected);
      if (property === 'finally') return (onFinally?: () => void) => Promise.prototype.finally.call(observed, onFinally);
      const value: unknown = Reflect.get(target, property, target);
      if (property === 'withResponse' && typeof value === 'function') {
        // openai's `withResponse()` resolves to `{ data, response, request_id }`: `data` is the observed value too.
        return (...args: unknown[]) =>
          nativeThen.call(Reflect.apply(value, target, args) as Promise<unknown>, (r: unknown) =>
            nativeThen.call(observed, () => (r !== null && typeof r === 'object' && (r as { data?: unknown }).data === original && original !== replaced ? { ...r, data: replaced } : r)),
          );
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function noop(): void {}

function settle(call: PredictionCall, value: unknown, options: InstrumentOptions<AnyFn>): unknown {
  try {
    if (options.kind !== 'batch' && isAsyncIterable(value)) {
      const keep = options.output !== undefined || options.usage !== undefined;
      const hasContent = options.hasContent as AnyFn | undefined;
      return wrapStream(value, {
        chunk: (chunk) => call.onChunk(chunk, hasContent === undefined || guard('hasContent option', options, hasContent, chunk) === true, keep),
        done: (how, at) => {
          call.setStreamEnd(how);
          extractStream(call, options);
          call.succeed(at);
        },
        failed: (error) => {
          call.setStreamEnd('error');
          extractStream(call, options);
          call.fail(error);
        },
      });
    }
    settleValue(call, value, options);
  } catch (error) {
    handleError('observing a result', error);
  }
  return value;
}

/** Calls `output` and `usage` once with the stream's chunks (those read so far). */
function extractStream(call: PredictionCall, options: InstrumentOptions<AnyFn>): void {
  if (options.kind === 'batch') return;
  const chunks = call.chunkList;
  const out = options.output ? guard('output option', options, options.output as AnyFn, chunks) : undefined;
  const usage = options.usage ? (guard('usage option', options, options.usage as AnyFn, chunks) as GenAiUsage | undefined) : undefined;
  call.setResult(out ? [out as Features] : undefined, usage);
}

function settleValue(call: PredictionCall, value: unknown, options: InstrumentOptions<AnyFn>): void {
  let outputs: Features[] | undefined;
  let usage: GenAiUsage | undefined;
  if (options.output) {
    const out = guard('output option', options, options.output as AnyFn, value);
    if (options.kind === 'batch') outputs = Array.isArray(out) ? (out as Features[]) : undefined;
    else if (out) outputs = [out as Features];
  }
  if (options.kind !== 'batch' && options.usage) usage = guard('usage option', options, options.usage as AnyFn, value) as GenAiUsage | undefined;
  call.setResult(outputs, usage);
  call.succeed();
}

/** Calls an extractor with one argument; its failure is logged and gives `undefined`. */
function guard(where: string, self: unknown, fn: AnyFn, arg: unknown): unknown {
  try {
    return fn.call(self, arg);
  } catch (error) {
    handleError(where, error);
    return undefined;
  }
}
