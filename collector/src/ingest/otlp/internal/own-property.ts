/**
 * Sets `map[key] = value` as an own, enumerable property. Plain assignment to
 * `__proto__` would change the object's prototype (or be ignored) instead of
 * storing an attribute that a client is free to name so.
 */
export function setOwn<V>(map: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[key] = value;
  }
}
