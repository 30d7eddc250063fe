import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { checkHostAndOrigin, checkNotSimpleRequest, hostPart, HostPolicy } from './auth-host.js';

/** A request as the checks see it: its method, URL and headers. */
const req = (headers: Record<string, string>, method = 'POST'): FastifyRequest => ({ method, url: '/v1/predictions', headers }) as unknown as FastifyRequest;
const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('Host and Origin checks', () => {
  it('takes the host part of a Host header or setting', () => {
    expect(hostPart('Example.COM:4318')).toBe('example.com');
    expect(hostPart('example.com.')).toBe('example.com');
    expect(hostPart('[::1]:4318')).toBe('::1');
    expect(hostPart('::1')).toBe('::1');
    expect(hostPart('10.0.0.1')).toBe('10.0.0.1');
  });

  it('answers the loopback names, the bound address and the allowed names; strict beyond loopback', () => {
    const bound = new HostPolicy('10.9.8.7', ['collector.example'], true);
    for (const h of ['localhost:4318', '127.0.0.1:4318', '[::1]:4318', 'x.localhost', '10.9.8.7:4318', 'Collector.Example', undefined]) expect(bound.allows(h), String(h)).toBe(true);
    for (const h of ['rebind.attacker.example:4318', '10.9.8.6', 'collector.example.attacker.example']) expect(bound.allows(h), h).toBe(false);
    expect(new HostPolicy('10.9.8.7', ['*'], true).allows('anything.example')).toBe(true);
    // Bound beyond loopback: a tool's request naming another host is refused too.
    expect(codeOf(() => checkHostAndOrigin(req({ host: 'other.example' }), bound))).toBe('HOST_NOT_ALLOWED');
    expect(codeOf(() => checkHostAndOrigin(req({ host: 'x' }), bound))).toBe('HOST_NOT_ALLOWED');
  });

  it("on loopback, refuses every dotted foreign name, and a single-label one in a browser's request", () => {
    const loop = new HostPolicy('127.0.0.1', [], false);
    expect(codeOf(() => checkHostAndOrigin(req({ host: 'x' }), loop))).toBeUndefined();
    expect(codeOf(() => checkHostAndOrigin(req({ host: 'x:4318' }), loop))).toBeUndefined();
    expect(codeOf(() => checkHostAndOrigin(req({ host: 'x', 'sec-fetch-mode': 'cors' }), loop))).toBe('HOST_NOT_ALLOWED');
    expect(codeOf(() => checkHostAndOrigin(req({ host: 'rebind.attacker.example:4318' }), loop))).toBe('HOST_NOT_ALLOWED');
    expect(codeOf(() => checkHostAndOrigin(req({ host: '10.0.0.9' }), loop))).toBe('HOST_NOT_ALLOWED');
    expect(codeOf(() => checkHostAndOrigin(req({ host: 'rebind.attacker.example:4318', 'sec-fetch-site': 'same-origin' }), loop))).toBe('HOST_NOT_ALLOWED');
    expect(codeOf(() => checkHostAndOrigin(req({ host: 'rebind.attacker.example:4318', 'sec-fetch-mode': 'navigate' }), loop))).toBe('HOST_NOT_ALLOWED');
  });

  it("refuses another site's page and takes the collector's own", () => {
    const loop = new HostPolicy('127.0.0.1', [], false);
    expect(codeOf(() => checkHostAndOrigin(req({ host: '127.0.0.1:4318', origin: 'http://127.0.0.1:4318' }), loop))).toBeUndefined();
    expect(codeOf(() => checkHostAndOrigin(req({ host: 'localhost', origin: 'http://localhost:80' }), loop))).toBeUndefined();
    expect(codeOf(() => checkHostAndOrigin(req({ host: '127.0.0.1:4318', origin: 'http://127.0.0.1:3000' }), loop))).toBe('ORIGIN_NOT_ALLOWED');
    expect(codeOf(() => checkHostAndOrigin(req({ host: '127.0.0.1:4318', origin: 'null' }), loop))).toBe('ORIGIN_NOT_ALLOWED');
    expect(codeOf(() => checkHostAndOrigin(req({ host: '127.0.0.1:4318', 'sec-fetch-site': 'cross-site' }), loop))).toBe('ORIGIN_NOT_ALLOWED');
    expect(codeOf(() => checkHostAndOrigin(req({ host: '127.0.0.1:4318', 'sec-fetch-site': 'same-origin' }), loop))).toBeUndefined();
  });

  it('refuses the body types a page may send without a preflight, on every method but reads', () => {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect(codeOf(() => checkNotSimpleRequest(req({ 'content-type': type }))), type).toBe('INGEST_UNSUPPORTED_MEDIA_TYPE');
    }
    for (const type of ['application/json', 'application/x-ndjson', 'application/x-protobuf', 'text/csv']) expect(codeOf(() => checkNotSimpleRequest(req({ 'content-type': type }))), type).toBeUndefined();
    expect(codeOf(() => checkNotSimpleRequest(req({ 'content-type': 'text/plain' }, 'GET')))).toBeUndefined();
  });
});
