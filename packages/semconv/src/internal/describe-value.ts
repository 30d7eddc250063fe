const SHOWN_STRING_LENGTH = 60;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Describes a value for the `got ...` part of a validation message: strings
 * quoted (shortened when long), numbers and booleans as written, containers
 * by kind only (`object`, `array`), so a message never echoes a large input.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length <= SHOWN_STRING_LENGTH
        ? JSON.stringify(value)
        : `${JSON.stringify(value.slice(0, SHOWN_STRING_LENGTH))}... (${value.length} characters)`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'nothing';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? 'array' : 'object';
    default:
      return typeof value;
  }
}

/**
 * The path of a map entry: `features.age` for identifier-like keys,
 * `features["item-count"]` otherwise, so the path is unambiguous.
 */
export function entryPath(parent: string, key: string): string {
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${describeValue(key)}]`;
}
