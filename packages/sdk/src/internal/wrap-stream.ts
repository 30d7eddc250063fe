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
 *
 * A web `ReadableStream` is not proxied (its consumers, `Response`, `pipeTo`, transfer,
 * use its internal slots, which a proxy does not have): a new `ReadableStream` that pulls
 * from it is returned instead (see `readableBranch`).
 */
export function wrapStream<T extends object>(source: T, observer: StreamObserver): T {
  return branch(source, new StreamTracker(observer));
}

function branch<T extends object>(source: T, tracker: StreamTracker): T {
  if (isReadableStream(source) && !source.locked) return readableBranch(source, tracker) as unknown as T;
  // The position of the next chunk when the source is its own iterator (an async generator).
  const position = { next: 0 };
  const handler: ProxyHandler<T> = {
    get(_target, property) {
      if (property === Symbol.asyncIterator) {
        return function iterate(this: unknown) {
          const iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
          return (iterator as unknown) === source ? proxy : observeIterator(iterator, tracker);
        };
      }
      const value: unknown = Reflect.get(source, property, source);
      if (typeof value !== 'function') return value;
      if (property === 'next' || property === 'return' || property === 'throw') {
        return observedMethod(source as unknown as AsyncIterator<unknown>, property, tracker, position);
      }
      if (property === 'tee') return teeOf(source, value as () => unknown, tracker);
      if (property === 'toReadableStream') return readableOf(source, proxy, value as (...a: unknown[]) => unknown);
      return value.bind(source);
    },
  };
  // A proxy's `get` must give a non-configurable, read-only own property's own value (a frozen
  // object's methods): such a source is proxied through a stand-in target that forwards the rest.
  const proxy: T = hasFixedMethod(source) ? new Proxy(standIn(source), { ...forwarding(source), ...handler }) : new Proxy(source, handler);
  tracker.hold(proxy);
  return proxy;
}

/** True when `source` has an own function-valued data property that is neither configurable nor writable. */
function hasFixedMethod(source: object): boolean {
  for (const key of Reflect.ownKeys(source)) {
    const d = Reflect.getOwnPropertyDescriptor(source, key);
    if (d && !d.configurable && d.writable === false && typeof d.value === 'function') return true;
  }
  return false;
}

/** An empty, extensible target of the source's kind and prototype: no own property constrains the proxy. */
function standIn<T extends object>(source: T): T {
  // An arrow function: no own non-configurable `prototype` that `ownKeys` would have to report.
  const target = typeof source === 'function' ? () => {} : {};
  Object.setPrototypeOf(target, Reflect.getPrototypeOf(source));
  return target as T;
}

/**
 * The traps that make a stand-in target look like the source. Own properties are reported
 * configurable (the stand-in has none to back a non-configurable one), and the proxy is
 * extensible: `Object.isFrozen()` of the instrumented stream is false.
 */
function forwarding<T extends object>(source: T): ProxyHandler<T> {
  return {
    has: (_t, p) => Reflect.has(source, p),
    ownKeys: () => Reflect.ownKeys(source),
    getOwnPropertyDescriptor: (_t, p) => {
      const d = Reflect.getOwnPropertyDescriptor(source, p);
      return d === undefined ? undefined : { ...d, configurable: true };
    },
    set: (_t, p, v) => Reflect.set(source, p, v),
    deleteProperty: (_t, p) => Reflect.deleteProperty(source, p),
    defineProperty: (_t, p, d) => d.configurable !== false && Reflect.defineProperty(source, p, d),
    getPrototypeOf: () => Reflect.getPrototypeOf(source),
    apply: (_t, thisArg, args) => Reflect.apply(source as (...a: unknown[]) => unknown, thisArg, args),
  };
}

function isReadableStream(value: object): value is ReadableStream<unknown> {
  return typeof ReadableStream === 'function' && value instanceof ReadableStream;
}

/**
 * A new `ReadableStream` that pulls from `source` one chunk per read (high-water mark 0:
 * nothing read ahead) and reports to the tracker. Being a real stream, every consumer works
 * on it (`getReader()`, `for await`, `pipeTo`/`pipeThrough`, `new Response(stream)`,
 * `Readable.fromWeb`, `tee()`, transfer); its end, error or cancel ends the call.
 */
function readableBranch(source: ReadableStream<unknown>, tracker: StreamTracker): ReadableStream<unknown> {
  const reader = source.getReader();
  let position = 0;
  const stream = new ReadableStream<unknown>(
    {
      async pull(controller) {
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (error) {
          tracker.failed(error);
          controller.error(error);
          return;
        }
        if (result.done) {
          tracker.end('completed');
          controller.close();
        } else {
          tracker.chunk(position++, result.value);
          controller.enqueue(result.value);
        }
      },
      cancel(reason) {
        tracker.stopped();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  tracker.hold(stream);
  return stream;
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
