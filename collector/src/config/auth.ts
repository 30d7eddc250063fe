import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import Type, { type Static } from 'typebox';
import { ConfigError } from '../errors.js';
import { Count, Section, Text } from './setting.js';

/** `auth.mode`: `off` (every request may do everything) or `required` (a key on every endpoint but the probes and the UI's files). */
export const AUTH_MODES = ['off', 'required'] as const;

/** The shortest bootstrap admin key taken. */
export const MIN_ADMIN_KEY_LENGTH = 16;

/** `auth:`: API keys scoped to projects (see [Security](security.md)). */
export const AuthSection = Section(
  {
    mode: Type.Enum(AUTH_MODES, {
      default: 'off',
      env: 'INFERLENS_AUTH_MODE',
      description: '`off`, or `required`: every endpoint but `/healthz`, `/readyz` and the UI\'s files needs `Authorization: Bearer <key>` (see [Security](security.md))',
    }),
    allowUnauthenticated: Type.Boolean({
      default: false,
      env: 'INFERLENS_AUTH_ALLOW_UNAUTHENTICATED',
      description: 'let a collector bound beyond loopback (`host` not 127.0.0.1, ::1 or localhost) start with `auth.mode: off`; it then warns at every start',
    }),
    allowedHosts: Type.Union([Type.String(), Type.Array(Type.String())], {
      default: '',
      env: 'INFERLENS_AUTH_ALLOWED_HOSTS',
      description:
        "names the `Host` header may carry besides this machine's addresses and `localhost` (a list, or comma-separated; `*`: any), against DNS rebinding; a request naming another host is refused",
      expected: 'host names, comma-separated or as a list',
    }),
    adminKey: Text({
      env: 'INFERLENS_ADMIN_KEY',
      default: '',
      description: `bootstrap admin key (every project, every scope; at least ${MIN_ADMIN_KEY_LENGTH} characters): creates the other keys; prefer the variable or \`auth.adminKeyFile\` to the file`,
    }),
    adminKeyFile: Text({ env: 'INFERLENS_ADMIN_KEY_FILE', default: '', description: 'file holding the bootstrap admin key (its first line), instead of `auth.adminKey`' }),
    rateLimit: Section(
      {
        recordsPerSecond: Count({
          env: 'INFERLENS_AUTH_RATE_LIMIT_RECORDS_PER_SECOND',
          minimum: 0,
          default: 0,
          description: 'records (spans, log records, predictions, feedback) per second each key may send, unless the key has its own limit; 0: no limit. Over it, a request gets 429 with Retry-After',
        }),
        burst: Count({ env: 'INFERLENS_AUTH_RATE_LIMIT_BURST', minimum: 0, default: 0, description: 'records a key may send at once above its rate; 0: as many as `auth.rateLimit.recordsPerSecond`' }),
      },
      'per-key rate limit of ingestion',
    ),
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

/** Whether `host` (a `host` setting: a name or an address) is a loopback interface. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h === '::1') return true;
  return /^::ffff:127\./.test(h);
}

/** `auth.allowedHosts` as a list of lowercase names (a comma-separated text or a list). */
export function allowedHostsOf(auth: Pick<AuthConfig, 'allowedHosts'>): string[] {
  const raw = Array.isArray(auth.allowedHosts) ? auth.allowedHosts : auth.allowedHosts.split(',');
  return raw.map((h) => h.trim().toLowerCase()).filter(Boolean);
}

/**
 * Refuses a configuration that would expose every project to anyone who reaches the port: bound
 * beyond loopback with `auth.mode: off`, unless `auth.allowUnauthenticated` says so on purpose.
 * @throws ConfigError saying how to protect the collector, or how to opt out
 */
export function checkExposure(config: { host: string; auth: Pick<AuthConfig, 'mode' | 'allowUnauthenticated'> }): void {
  if (config.auth.mode !== 'off' || config.auth.allowUnauthenticated || isLoopback(config.host)) return;
  throw new ConfigError(
    `config error: host ${config.host} is not a loopback address and auth.mode is off: anyone who reaches the port could read, write and delete every project's data. ` +
      'Set auth.mode: required (INFERLENS_AUTH_MODE=required) with a bootstrap admin key (INFERLENS_ADMIN_KEY or auth.adminKeyFile), ' +
      'or, on a network where everyone who reaches the port may do everything, auth.allowUnauthenticated: true (INFERLENS_AUTH_ALLOW_UNAUTHENTICATED=true).',
  );
}
