import { readFileSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import { ConfigError } from '../errors.js';
import { Count, Section, Text } from './setting.js';

/** `auth.mode`: `off` (every request may do everything) or `required` (a key on every endpoint but the probes and the UI's files). */
export const AUTH_MODES = ['off', 'required'] as const;

/** The shortest bootstrap admin key taken. */
export const MIN_ADMIN_KEY_LENGTH = 16;

/** `auth:`: API keys scoped to projects (see `docs/security.md`). */
export const AuthSection = Section(
  {
    mode: Type.Enum(AUTH_MODES, {
      default: 'off',
      env: 'INFERLENS_AUTH_MODE',
      description: '`off`, or `required`: every endpoint but `/healthz`, `/readyz` and the UI\'s files needs `Authorization: Bearer <key>` (see `docs/security.md`)',
    }),
    adminKey: Text({
      env: 'INFERLENS_ADMIN_KEY',
      default: '',
      description: `bootstrap admin key (every project, every scope; at least ${MIN_ADMIN_KEY_LENGTH} characters): creates the other keys; prefer the variable or \`auth.adminKeyFile\` to the file`,
    }),
    adminKeyFile: Text({ env: 'INFERLENS_ADMIN_KEY_FILE', default: '', description: 'file holding the bootstrap admin key (its first line), instead of `auth.adminKey`' }),
    keyRefreshMs: Count({
      env: 'INFERLENS_AUTH_KEY_REFRESH_MS',
      default: 500,
      maximum: 60_000,
      description: 'how often keys created or revoked by other collectors on the same store are picked up, in milliseconds (this collector\'s own changes apply at once)',
    }),
  },
  'access control: API keys scoped to projects',
);

/** The `auth:` settings. */
export type AuthConfig = Static<typeof AuthSection>;

/**
 * The bootstrap admin key: `auth.adminKey`, or the first line of `auth.adminKeyFile`; '' for none.
 * Never put in a message: a problem names the key's setting, not its value.
 * @throws ConfigError when both are set, the file cannot be read, or the key is too short
 */
export function resolveAdminKey(auth: Pick<AuthConfig, 'adminKey' | 'adminKeyFile'>): string {
  if (auth.adminKey && auth.adminKeyFile) throw new ConfigError('config error: auth.adminKey (INFERLENS_ADMIN_KEY) and auth.adminKeyFile are both set; set one');
  let key = auth.adminKey;
  if (auth.adminKeyFile) {
    try {
      key = (readFileSync(auth.adminKeyFile, 'utf8').split(/\r?\n/)[0] ?? '').trim();
    } catch (err) {
      throw new ConfigError(`config error: auth.adminKeyFile: cannot read ${auth.adminKeyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!key) throw new ConfigError(`config error: auth.adminKeyFile: ${auth.adminKeyFile} holds no key on its first line`);
  }
  if (key && key.length < MIN_ADMIN_KEY_LENGTH) {
    throw new ConfigError(
      `config error: the bootstrap admin key (${auth.adminKeyFile ? 'auth.adminKeyFile' : 'auth.adminKey / INFERLENS_ADMIN_KEY'}) is ${key.length} characters long; use at least ${MIN_ADMIN_KEY_LENGTH} random ones (openssl rand -base64 32)`,
    );
  }
  return key;
}
