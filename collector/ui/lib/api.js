import { storedKey } from './auth.js';

/**
 * GETs a read API path with query parameters (empty ones left out), with this tab's API key when
 * it holds one; throws with the API's message, its status and its code (`AUTH_REQUIRED`, ...).
 */
export async function api(path, params = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const query = qs.toString();
  // Relative to the page (/ui/), so that a proxy may serve the collector under a sub-path.
  const key = storedKey();
  const headers = key ? { accept: 'application/json', authorization: `Bearer ${key}` } : { accept: 'application/json' };
  const res = await fetch(`..${path}${query ? `?${query}` : ''}`, { headers });
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
    err.code = body?.error;
    throw err;
  }
  return body;
}
