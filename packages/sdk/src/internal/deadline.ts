/**
 * Waits for `promise` or `timeoutMillis`, whichever comes first. Resolves
 * `true` when the promise settled in time; never rejects. The timer does not
 * keep the process alive.
 */
export function withDeadline(promise: Promise<unknown>, timeoutMillis: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, timeoutMillis));
    timer.unref();
    promise.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
}
