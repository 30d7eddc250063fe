/**
 * JSON text for `array` and `kvlist` attribute values, written the way the
 * OpenTelemetry Collector writes them into ClickHouse (`pcommon.Value.AsString`,
 * which uses Go's `encoding/json`): object keys sorted, duplicate keys resolved
 * last-wins, `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c` and so on,
 * 64-bit integers exact, bytes as base64 strings.
 *
 * Known differences: keys are sorted by UTF-16 code unit rather than UTF-8 byte
 * (they differ only between U+E000..U+FFFF and astral characters), and a
 * non-finite double inside an array or kvlist becomes `null` where Go would
 * fail and write an empty string.
 */

// Anything JSON.stringify escapes, plus what Go's HTML-safe encoder escapes besides.
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;

function escapeHtml(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A JSON string literal, HTML-safe as Go writes it. */
export function quoteJson(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return JSON.stringify(s).replace(HTML_UNSAFE_ALL, escapeHtml);
}

/** A double inside JSON text. */
export function doubleJson(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

function byKey(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * A JSON object from `[key, JSON text]` pairs in wire order: keys sorted, and of
 * a repeated key the last pair wins. Reorders `pairs` in place.
 */
export function objectJson(pairs: [string, string][]): string {
  let sorted = true;
  for (let i = 1; i < pairs.length && sorted; i++) sorted = pairs[i - 1]![0] < pairs[i]![0];
  // Array#sort is stable, so among equal keys the last one on the wire stays last.
  if (!sorted) pairs.sort(byKey);
  let out = '{';
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i]!;
    if (i + 1 < pairs.length && pairs[i + 1]![0] === k) continue;
    if (out.length > 1) out += ',';
    out += `${quoteJson(k)}:${v}`;
  }
  return `${out}}`;
}

/** A JSON array from JSON texts. */
export function arrayJson(items: string[]): string {
  return `[${items.join(',')}]`;
}

/**
 * The flattened (`AsString`) form of a scalar plain value: strings as they are,
 * numbers with `String(n)` (exact for safe integers; larger int64 values are
 * already decimal strings), booleans as `true` / `false`, the empty value as `''`.
 */
export function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return String(v);
}
