import { expect } from 'vitest';

/** POSTs `records` as NDJSON (one JSON value a line) to `url`; resolves with the response. */
export function postNdjson(url: string, records: unknown[], contentType = 'application/x-ndjson', headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', body: records.map((x) => JSON.stringify(x)).join('\n'), headers: { 'content-type': contentType, ...headers } });
}

/**
 * POSTs `records` as NDJSON and expects every one accepted: 200, and `rejected: 0` where the
 * answer counts rejections (the ingest endpoints do; a reference upload does not). The body shows in a failure.
 */
export async function postAccepted(url: string, records: unknown[]): Promise<void> {
  const r = await postNdjson(url, records);
  const text = await r.text();
  expect(r.status, text).toBe(200);
  expect((JSON.parse(text) as { rejected?: number }).rejected ?? 0, text).toBe(0);
}
