import { describe, expect, it } from 'vitest';
import { resolveHttpSetup } from './http-export-setup.js';

describe('resolveHttpSetup', () => {
  it('applies the documented defaults', () => {
    expect(resolveHttpSetup('/v1/predictions')).toEqual({
      url: 'http://127.0.0.1:4318/v1/predictions',
      headers: { 'content-type': 'application/x-ndjson' },
      compression: 'none',
      timeoutMillis: 10_000,
      initialBackoffMillis: 1000,
      maxBackoffMillis: 5000,
      thread: 'main',
    });
  });

  it('builds the URL and headers from the options', () => {
    const setup = resolveHttpSetup('/v1/feedback', { endpoint: 'https://c.example:4318//', project: 'p1', headers: { authorization: 'Bearer t' }, compression: 'none', timeoutMillis: 0, maxBackoffMillis: -1 });
    expect(setup.url).toBe('https://c.example:4318/v1/feedback');
    expect(setup.headers).toEqual({ 'content-type': 'application/x-ndjson', authorization: 'Bearer t', 'x-inferlens-project': 'p1' });
    expect(setup).toMatchObject({ timeoutMillis: 10_000, maxBackoffMillis: 5000 }); // not positive: the default
    expect(resolveHttpSetup('/v1/feedback', { url: 'http://h/x', endpoint: 'http://ignored' }).url).toBe('http://h/x');
  });

  it("runs on the caller's thread unless told 'worker'", () => {
    expect(resolveHttpSetup('/v1/predictions').thread).toBe('main');
    expect(resolveHttpSetup('/v1/predictions', { thread: 'worker' }).thread).toBe('worker');
    expect(resolveHttpSetup('/v1/predictions', { thread: 'main' }).thread).toBe('main');
    expect(resolveHttpSetup('/v1/predictions', { thread: 'elsewhere' as never }).thread).toBe('main');
  });
});
