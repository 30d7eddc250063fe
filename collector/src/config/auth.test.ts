import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadConfig } from './load.js';
import { resolveAdminKey } from './auth.js';

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
