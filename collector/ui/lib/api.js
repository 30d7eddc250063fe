/** GETs a read API path with query parameters (empty ones left out); throws with the API's message. */
export async function api(path, params = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const query = qs.toString();
  // Relative to the page (/ui/), so that a proxy may serve the collector under a sub-path.
  const res = await fetch(`..${path}${query ? `?${query}` : ''}`, { headers: { accept: 'application/json' } });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { message: text };
  }
  if (!res.ok) {
    const err = new Error(`${path}: ${res.status} ${body?.message ?? res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return body;
}
