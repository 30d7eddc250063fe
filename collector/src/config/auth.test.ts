import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadConfig } from './load.js';
import { allowedHostsOf, checkExposure, isLoopback, resolveAdminKey } from './auth.js';

const dir = mkdtempSync(join(tmpdir(), 'inferlens-auth-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bootstrap admin key', () => {
  it('comes from auth.adminKey (INFERLENS_ADMIN_KEY) or the first line of auth.adminKeyFile', () => {
    const file = join(dir, 'admin-key');
    writeFileSync(file, '  a-key-read-from-a-file-0123  \nsecond line\n');
    expect(resolveAdminKey({ adminKey: 'a-key-from-the-environment', adminKeyFile: '' })).toBe('a-key-from-the-environment');
    expect(resolveAdminKey({ adminKey: '', adminKeyFile: file })).toBe('a-key-read-from-a-file-0123');
    expect(resolveAdminKey({ adminKey: '', adminKeyFile: '' })).toBe('');
    expect(loadConfig({ env: { INFERLENS_ADMIN_KEY: 'a-key-from-the-environment' } }).auth.adminKey).toBe('a-key-from-the-environment');
  });

  it('is refused when too short, both set, or unreadable, and the message never holds the key', () => {
    const attempt = (f: () => unknown): ConfigError => {
      try {
        f();
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('no error');
    };
    const short = attempt(() => loadConfig({ env: { INFERLENS_ADMIN_KEY: 'hunter2-secret' } }));
    expect(short).toBeInstanceOf(ConfigError);
    expect(short.message).toBe(
      'config error: the bootstrap admin key (auth.adminKey / INFERLENS_ADMIN_KEY) is 14 characters long; use at least 16 random ones (openssl rand -base64 32)',
    );
    expect(short.message).not.toContain('hunter2');
    const both = attempt(() => resolveAdminKey({ adminKey: 'a-key-from-the-environment', adminKeyFile: '/x' }));
    expect(both.message).toContain('set one');
    expect(both.message).not.toContain('a-key-from-the-environment');
    expect(attempt(() => resolveAdminKey({ adminKey: '', adminKeyFile: join(dir, 'missing') })).message).toBe(
      `config error: auth.adminKeyFile: cannot read ${join(dir, 'missing')}: ENOENT`,
    );
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(attempt(() => resolveAdminKey({ adminKey: '', adminKeyFile: empty })).message).toContain('holds no key');
  });
});

describe('exposure beyond loopback', () => {
  it('knows the loopback interfaces by name and address', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', 'app.localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '', '10.0.0.5', 'collector.internal', '::ffff:10.0.0.1', '128.0.0.1', 'localhost.example.com']) expect(isLoopback(h), h).toBe(false);
  });

  it('refuses auth.mode off beyond loopback unless auth.allowUnauthenticated, naming both ways out', () => {
    const off = { mode: 'off' as const, allowUnauthenticated: false };
    expect(() => checkExposure({ host: '127.0.0.1', auth: off })).not.toThrow();
    expect(() => checkExposure({ host: '0.0.0.0', auth: { ...off, mode: 'required' } })).not.toThrow();
    expect(() => checkExposure({ host: '0.0.0.0', auth: { ...off, allowUnauthenticated: true } })).not.toThrow();
    const err = (() => {
      try {
        checkExposure({ host: '10.1.2.3', auth: off });
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toMatch(/host 10\.1\.2\.3 is not a loopback address and auth\.mode is off/);
    expect(err!.message).toContain('INFERLENS_AUTH_MODE=required');
    expect(err!.message).toContain('INFERLENS_AUTH_ALLOW_UNAUTHENTICATED=true');
  });

  it('reads auth.allowedHosts as a list or comma-separated text', () => {
    expect(allowedHostsOf({ allowedHosts: ' A.example, b.example:4318 ,,' })).toEqual(['a.example', 'b.example:4318']);
    expect(allowedHostsOf({ allowedHosts: ['C.example'] })).toEqual(['c.example']);
    expect(loadConfig({ env: { INFERLENS_AUTH_ALLOWED_HOSTS: 'x.example,y.example' } }).auth.allowedHosts).toBe('x.example,y.example');
    expect(loadConfig({ env: { INFERLENS_AUTH_ALLOW_UNAUTHENTICATED: 'true' } }).auth.allowUnauthenticated).toBe(true);
  });
});
