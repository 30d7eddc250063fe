/**
 * Headers with an Inferlens API key as `Authorization: Bearer <key>` (RFC 6750), as the collector
 * reads it when `auth.mode` is `required`. An `authorization` header given explicitly wins.
 */
export function withApiKey(headers: Readonly<Record<string, string>> | undefined, apiKey: string | undefined): Record<string, string> {
  const out: Record<string, string> = { ...headers };
  const explicit = Object.keys(out).some((h) => h.toLowerCase() === 'authorization');
  if (apiKey && !explicit) out.authorization = `Bearer ${apiKey}`;
  return out;
}
