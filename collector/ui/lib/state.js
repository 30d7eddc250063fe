// The URL holds the state of a view (route, project, time range, its own choices), so a view can
// be shared: `#/model/rain-tomorrow?project=examples&range=fit&version=v2`.

/** Parameters every view keeps when linking to another. */
const GLOBAL = ['project', 'range', 'from', 'to'];

/** The current route: path parts (decoded) and query parameters. */
export function currentRoute() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  return { parts: (path || '/').split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

/** A hash link to `parts` with the global parameters of the current URL and `params` (null removes). */
export function link(parts, params = {}) {
  const current = currentRoute().params;
  const q = new URLSearchParams();
  for (const k of GLOBAL) if (current.has(k)) q.set(k, current.get(k));
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const query = q.toString();
  return `#/${parts.map((p) => encodeURIComponent(p)).join('/')}${query ? `?${query}` : ''}`;
}

/** Sets parameters of the current route (null removes); renders through the hashchange. */
export function setParams(params) {
  const { parts } = currentRoute();
  const next = link(parts, params);
  if (next !== location.hash) location.hash = next;
}
