import { handleError } from './handle-error.js';

/** How a stream's call ended: read to its end, stopped by every consumer, or dropped unread. */
export type StreamEnd = 'completed' | 'stopped' | 'abandoned';

/** What the stream wrapper reports to. */
export interface StreamObserver {
  /** A chunk reached a consumer for the first time (a `tee()` branch reading it again is not reported). */
  chunk(value: unknown): void;
  /** The stream ended: `at` is the `performance.now()` of the last thing seen when it was abandoned. */
  done(how: StreamEnd, at?: number): void;
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
 * One instrumented stream and every way it is consumed: the proxy, the iterators made
 * from it, and the branches of its `tee()`. It ends the call once: at the stream's end,
 * at its error, when every consumer stopped early, or when every handle on it was
 * garbage-collected before any of that.
 */
class StreamTracker {
  private ended = false;
  /** Chunks reported so far: a branch's chunk at a lower position was already seen. */
  private reported = 0;
  /** Consumers that may still read: 1, plus 1 per `tee()` (which replaces one by two). */
  private consumers = 1;
  /** Handles (proxies, iterators) not yet garbage-collected. */
  private live = 0;
  private lastSeen = performance.now();

  constructor(private readonly observer: StreamObserver) {}

  hold(handle: object): void {
    this.live++;
    abandoned?.register(handle, this);
  }

  released(): void {
    if (--this.live === 0 && !this.ended) this.end('abandoned', this.lastSeen);
  }

  chunk(position: number, value: unknown): void {
    this.lastSeen = performance.now();
    if (this.ended || position < this.reported) return;
    this.reported = position + 1;
    safe(() => this.observer.chunk(value));
  }

  teed(): void {
    this.consumers++;
  }

  stopped(): void {
    this.lastSeen = performance.now();
    if (--this.consumers <= 0) this.end('stopped');
  }

  end(how: StreamEnd, at?: number): void {
    if (this.ended) return;
    this.ended = true;
    safe(() => this.observer.done(how, at));
  }

  failed(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    safe(() => this.observer.failed(error));
  }
}

// Abandonment is detected only where the runtime offers FinalizationRegistry (Node 14.6+).
const abandoned = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<StreamTracker>((tracker) => tracker.released()) : undefined;

/**
 * Returns a proxy of `source` that reports each chunk as the consumer pulls
 * it. Nothing is read ahead: chunks pass through one by one, lazily. The
 * proxy keeps the source's other properties and methods (bound to the
 * source, so private fields work), so an SDK stream object such as an
 * OpenAI `Stream` keeps its API. When `source` is its own iterator (an
 * async generator), `next`/`return`/`throw` called directly are observed too.
 *
 * Every way of consuming it ends the call: `for await` to the end, `break`/`return`,
 * a throw, `tee()` (both branches are proxies of this kind; the call ends when one
 * reaches the end or every branch stopped), `toReadableStream()` (called on the
 * proxy, so that it reads through it), and dropping it unread (when garbage-collected).
 */
export function wrapStream<T extends object>(source: T, observer: StreamObserver): T {
  return branch(source, new StreamTracker(observer));
}

function branch<T extends object>(source: T, tracker: StreamTracker): T {
  // The position of the next chunk when the source is its own iterator (an async generator).
  const position = { next: 0 };
  const proxy: T = new Proxy(source, {
    get(target, property) {
      if (property === Symbol.asyncIterator) {
        return function iterate(this: unknown) {
          const iterator = (target as AsyncIterable<unknown>)[Symbol.asyncIterator]();
          return (iterator as unknown) === target ? proxy : observeIterator(iterator, tracker);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'next' || property === 'return' || property === 'throw') {
        return observedMethod(target as unknown as AsyncIterator<unknown>, property, tracker, position);
      }
      if (property === 'tee') return teeOf(target, value as () => unknown, tracker);
      if (property === 'toReadableStream') return readableOf(target, proxy, value as (...a: unknown[]) => unknown);
      return value.bind(target);
    },
  });
  tracker.hold(proxy);
  return proxy;
}

/** `tee()` of the source, each branch a proxy that reports to the same tracker. */
function teeOf(target: object, tee: () => unknown, tracker: StreamTracker): () => unknown {
  return function (this: unknown) {
    const branches = tee.call(target);
    if (!Array.isArray(branches) || branches.length !== 2 || !branches.every(isAsyncIterable)) return branches;
    tracker.teed();
    return [branch(branches[0] as object, tracker), branch(branches[1] as object, tracker)];
  };
}

/**
 * `toReadableStream()` run with the proxy as `this`, so that it iterates through it (as
 * OpenAI's `Stream` does); if the method refuses the proxy (a private field), run on the source.
 */
function readableOf(target: object, proxy: object, method: (...a: unknown[]) => unknown): (...a: unknown[]) => unknown {
  return function (this: unknown, ...args: unknown[]) {
    try {
      return method.apply(proxy, args);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      handleError('observing a stream: toReadableStream() does not read through the instrumented stream; its span ends when the stream is garbage-collected', error);
      return method.apply(target, args);
    }
  };
}

function observeIterator(iterator: AsyncIterator<unknown>, tracker: StreamTracker): AsyncIterableIterator<unknown> {
  const position = { next: 0 };
  const wrapped: AsyncIterableIterator<unknown> = {
    next: observedMethod(iterator, 'next', tracker, position),
    [Symbol.asyncIterator]: () => wrapped,
  };
  // `return` is always offered, so that a consumer that stops early is seen even when the source has none.
  wrapped.return = typeof iterator.return === 'function' ? observedMethod(iterator, 'return', tracker, position) : async (value?: unknown) => {
    tracker.stopped();
    return { done: true, value };
  };
  if (typeof iterator.throw === 'function') wrapped.throw = observedMethod(iterator, 'throw', tracker, position);
  tracker.hold(wrapped);
  return wrapped;
}

function observedMethod(
  iterator: AsyncIterator<unknown>,
  method: 'next' | 'return' | 'throw',
  tracker: StreamTracker,
  position: { next: number },
): (...args: unknown[]) => Promise<IteratorResult<unknown>> {
  return async (...args: unknown[]) => {
    let result: IteratorResult<unknown>;
    try {
      result = await (iterator[method] as (...a: unknown[]) => Promise<IteratorResult<unknown>>).apply(iterator, args);
    } catch (error) {
      tracker.failed(error);
      throw error;
    }
    if (method !== 'next') tracker.stopped();
    else if (result.done) tracker.end('completed');
    else tracker.chunk(position.next++, result.value);
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
