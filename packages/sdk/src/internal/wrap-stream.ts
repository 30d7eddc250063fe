import { handleError } from './handle-error.js';

/** What the stream wrapper reports to. */
export interface StreamObserver {
  /** A chunk went to the consumer. */
  chunk(value: unknown): void;
  /** The stream ended, or the consumer stopped early. */
  done(): void;
  /** The stream threw. */
  failed(error: unknown): void;
}

/** True for an object with a `Symbol.asyncIterator` method. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Returns a proxy of `source` that reports each chunk as the consumer pulls
 * it. Nothing is read ahead: chunks pass through one by one, lazily. The
 * proxy keeps the source's other properties and methods (bound to the
 * source, so private fields work), so an SDK stream object such as an
 * OpenAI `Stream` keeps its API. When `source` is its own iterator (an
 * async generator), `next`/`return`/`throw` called directly are observed too.
 */
export function wrapStream<T extends object>(source: T, observer: StreamObserver): T {
  const proxy: T = new Proxy(source, {
    get(target, property) {
      if (property === Symbol.asyncIterator) {
        return function iterate(this: unknown) {
          const iterator = (target as AsyncIterable<unknown>)[Symbol.asyncIterator]();
          return (iterator as unknown) === target ? proxy : observeIterator(iterator, observer);
        };
      }
      if ((property === 'next' || property === 'return' || property === 'throw') && typeof (target as Record<string, unknown>)[property] === 'function') {
        return observedMethod(target as unknown as AsyncIterator<unknown>, property, observer);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return proxy;
}

function observeIterator(iterator: AsyncIterator<unknown>, observer: StreamObserver): AsyncIterableIterator<unknown> {
  const wrapped: AsyncIterableIterator<unknown> = {
    next: observedMethod(iterator, 'next', observer),
    [Symbol.asyncIterator]: () => wrapped,
  };
  if (typeof iterator.return === 'function') wrapped.return = observedMethod(iterator, 'return', observer);
  if (typeof iterator.throw === 'function') wrapped.throw = observedMethod(iterator, 'throw', observer);
  return wrapped;
}

function observedMethod(
  iterator: AsyncIterator<unknown>,
  method: 'next' | 'return' | 'throw',
  observer: StreamObserver,
): (...args: unknown[]) => Promise<IteratorResult<unknown>> {
  return async (...args: unknown[]) => {
    let result: IteratorResult<unknown>;
    try {
      result = await (iterator[method] as (...a: unknown[]) => Promise<IteratorResult<unknown>>).apply(iterator, args);
    } catch (error) {
      safe(() => observer.failed(error));
      throw error;
    }
    safe(() => {
      if (method !== 'next' || result.done) observer.done();
      else observer.chunk(result.value);
    });
    return result;
  };
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    handleError('observing a stream', error);
  }
}
