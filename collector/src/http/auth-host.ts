import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { FastifyRequest } from 'fastify';
import { HostNotAllowedError, OriginNotAllowedError, UnsupportedMediaTypeError } from '../errors.js';
import { mediaType } from './read-body.js';

/** The host part of a `Host` header or URL authority, lowercase, without port, brackets or a final dot. */
export function hostPart(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) return a.slice(1, a.indexOf(']') < 0 ? undefined : a.indexOf(']'));
  // A bare IPv6 address (a setting, not a header) has colons of its own.
  if (isIP(a) === 6) return a;
  return a.replace(/:\d*$/, '').replace(/\.$/, '');
}

/** Addresses a wildcard bind (`0.0.0.0`, `::`) answers on: every interface's. */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address.toLowerCase().replace(/%.*$/, '')));
}

/**
 * Which `Host` headers the collector answers, against DNS rebinding (a page of another site whose
 * name is made to resolve to this machine, so the browser sends the collector that site's name):
 * `localhost` and `*.localhost`, the loopback addresses, the address it is bound to (every
 * interface's address, and the machine's name, when bound to all), and the names of
 * `auth.allowedHosts` (`*`: any name). Bound beyond loopback, every request must name one of them
 * (`strict`). Bound to loopback, only a browser can be made to reach the port under a foreign
 * name, and the name it then sends is one in public DNS, so dotted: a dotted name that is not
 * one of the above is refused, as is any other name in a request with `Origin` or `Sec-Fetch-*`
 * headers (which a browser sends and no page can remove); a tool on the machine may send a
 * single-label `Host` (`x`, the machine's short name).
 */
export class HostPolicy {
  readonly #names: ReadonlySet<string>;
  readonly #any: boolean;
  /** Whether every request's `Host` is checked, not only a browser's. */
  readonly strict: boolean;

  constructor(bindHost: string, allowed: readonly string[], strict: boolean) {
    this.strict = strict;
    const bind = hostPart(bindHost);
    const wildcard = bind === '' || bind === '0.0.0.0' || bind === '::';
    this.#any = allowed.includes('*');
    this.#names = new Set([
      'localhost',
      '127.0.0.1',
      '::1',
      ...(wildcard ? [...interfaceAddresses(), hostname().toLowerCase()] : [bind]),
      ...allowed.map(hostPart),
    ]);
  }

  /**
   * Whether a request naming `host` (its `Host` header; undefined for none, as HTTP/1.0 allows) is
   * answered; `fromBrowser`: the request carries a browser's headers.
   */
  allows(host: string | undefined, fromBrowser = true): boolean {
    if (this.#any || host === undefined) return true;
    const name = hostPart(host);
    if (this.#names.has(name) || name.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(name)) return true;
    // On loopback, a single-label name from a tool: no DNS-rebinding page can send it.
    return !this.strict && !fromBrowser && !name.includes('.') && !name.includes(':');
  }
}

/**
 * Refuses a request whose `Host` the policy does not allow, and a request a browser sends from
 * another site's page (an `Origin` other than the collector's own, or `Sec-Fetch-Site:
 * cross-site`): a page elsewhere could otherwise write with a `text/plain` POST, which needs no
 * preflight. The collector's own UI is same-origin; no other browser page has a reason to call it.
 * @throws HostNotAllowedError, OriginNotAllowedError
 */
export function checkHostAndOrigin(request: FastifyRequest, policy: HostPolicy): void {
  const host = request.headers.host;
  const fromBrowser = request.headers.origin !== undefined || request.headers['sec-fetch-site'] !== undefined || request.headers['sec-fetch-mode'] !== undefined;
  if (!policy.allows(host, fromBrowser)) {
    throw new HostNotAllowedError(
      `Host ${JSON.stringify(host)} is not a name of this collector; add it to auth.allowedHosts (INFERLENS_AUTH_ALLOWED_HOSTS) if clients reach it by that name`,
    );
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let same = false;
    try {
      const page = new URL(origin);
      // Compared as URLs, so a default port written or left out is the same origin.
      same = host !== undefined && page.host === new URL(`${page.protocol}//${host}`).host;
    } catch {
      // `null` (a sandboxed or file: page) or not a URL: not this collector's page
    }
    if (!same) throw new OriginNotAllowedError(`a page of ${JSON.stringify(origin)} may not call this collector (Origin is not ${JSON.stringify(host ?? '')})`);
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') throw new OriginNotAllowedError('a page of another site may not call this collector (Sec-Fetch-Site: cross-site)');
}

/**
 * The media types a browser page of any site may send without a CORS preflight ("simple
 * requests"). No endpoint reads them, so a request carrying one is refused before any route acts:
 * a form or a `text/plain` fetch of another site's page stores and triggers nothing, even from a
 * browser that sends no `Origin`.
 */
export const SIMPLE_REQUEST_TYPES: readonly string[] = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * Refuses a request with a body of a type a cross-site form or `text/plain` fetch could send.
 * @throws UnsupportedMediaTypeError (415)
 */
export function checkNotSimpleRequest(request: FastifyRequest): void {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
  const type = mediaType(request);
  if (SIMPLE_REQUEST_TYPES.includes(type)) {
    throw new UnsupportedMediaTypeError(
      `${request.method} ${request.url}: Content-Type ${type} is refused on every endpoint (any web page can send it without asking); send application/json, application/x-ndjson, application/x-protobuf or text/csv as the endpoint takes`,
    );
  }
}
