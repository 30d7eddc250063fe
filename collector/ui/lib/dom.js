// DOM helpers and formats shared by the views. Everything a client sent reaches the page as text
// nodes or attribute values, never as markup.

/** Creates an element: `props` are attributes (`class`, `href`, ...) or `on*` listeners. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An SVG element (same props as {@link h}). */
export function svg(tag, props, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(props ?? {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const missing = (x) => x === null || x === undefined || (typeof x === 'number' && Number.isNaN(x));

/**
 * The UI's formats: one time format (UTC, `YYYY-MM-DD HH:MM:SS`), p-values in scientific notation.
 * The end-to-end test formats the API's numbers with the same rules to compare.
 */
export const fmt = {
  int: (x) => (missing(x) ? '–' : Math.round(x).toLocaleString('en-US')),
  num: (x, d = 3) => (missing(x) ? '–' : Number(x).toFixed(d)),
  ms: (x) => (missing(x) ? '–' : `${Number(x).toFixed(Number(x) < 1 ? 3 : Number(x) < 10 ? 2 : 1)} ms`),
  pct: (x, d = 1) => (missing(x) ? '–' : `${(Number(x) * 100).toFixed(d)} %`),
  p: (x) => (missing(x) ? '–' : Number(x).toExponential(2)),
  time: (t) => (missing(t) || t === '' ? '–' : new Date(typeof t === 'string' && /^\d+$/.test(t) ? Number(t) : t).toISOString().slice(0, 19).replace('T', ' ')),
  seconds: (x) => (missing(x) ? '–' : `${Number(x).toFixed(Number(x) < 10 ? 2 : 1)} s`),
  /** A feature or output value: numbers to 6 significant digits. */
  value: (v) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v)),
};

/** A pill: `good` text when `ok`, else `bad` text. */
export const pill = (ok, good, bad) => h('span', { class: `pill ${ok ? 'good' : 'bad'}` }, ok ? good : bad);

/** A table from column specs `{ label, value(row) -> text|Node, num }`; `rowClass(row)` marks rows. */
export function table(columns, rows, { rowClass, empty = 'Nothing in this range.', testid, rowProps } = {}) {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-testid': testid }, empty);
  return h(
    'table',
    { 'data-testid': testid },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : undefined }, c.label)))),
    h('tbody', null, rows.map((r) => h('tr', { class: rowClass?.(r), ...rowProps?.(r) }, columns.map((c) => h('td', { class: c.num ? 'num' : undefined }, c.value(r)))))),
  );
}

/** A two-column key/value table (features, attributes), keys sorted. */
export function kvTable(entries, { testid, empty = 'none' } = {}) {
  const rows = Object.entries(entries ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return h('p', { class: 'empty', 'data-testid': testid }, empty);
  return h('table', { class: 'kv', 'data-testid': testid }, h('tbody', null, rows.map(([k, v]) => h('tr', null, h('th', null, k), h('td', { class: 'mono' }, fmt.value(v))))));
}

/** Key/value pairs inline (`k = v` chips), for a table cell. */
export function kvInline(entries) {
  const rows = Object.entries(entries ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return h('span', { class: 'kv-inline' }, rows.map(([k, v]) => h('span', { class: 'chip' }, h('span', { class: 'k' }, k), ' ', fmt.value(v))));
}

/** A summary card. */
export function card(label, value, testid) {
  return h('div', { class: 'card', 'data-testid': testid }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, label));
}

/** Keeps the newest row per key (rows carry `windowStart`). */
export function latestBy(rows, key) {
  const out = new Map();
  for (const r of rows) {
    const k = key(r);
    const seen = out.get(k);
    if (!seen || seen.windowStart < r.windowStart) out.set(k, r);
  }
  return [...out.values()];
}
