import type { ClickHouseStore } from '../store/ClickHouseStore.js';
import { readApiKeys, writeApiKey, type StoredApiKey } from '../store/repositories/api-keys.js';
import { hashKey, keyIdOf, newApiKey, sameHash } from './api-key-format.js';
import { ALL_PROJECTS, SCOPES, type KeyRateLimit, type Principal, type Scope } from './Principal.js';

/** A key as `GET /api/v1/keys` lists it: everything but the key. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  project: string;
  scopes: Scope[];
  createdAt: string;
  /** Id of the key that created it (`admin`: the bootstrap key; `''`: created with authentication off). */
  createdBy: string;
  revokedAt: string | null;
  /** The key's own limit; null: the configured default. */
  rateLimit: KeyRateLimit | null;
}

/** What a new key is made of. */
export interface NewKeyInput {
  project: string;
  scopes: readonly Scope[];
  name: string;
  rateLimit?: KeyRateLimit | undefined;
}

/** Options of {@link ApiKeyRegistry}. */
export interface ApiKeyRegistryOptions {
  /** The bootstrap admin key (`INFERLENS_ADMIN_KEY`, `auth.adminKeyFile`); empty: none. */
  adminKey: string;
  /** How often keys created or revoked by other collectors on the same store are picked up, in ms. */
  refreshMs: number;
  /** Told when a refresh fails (the keys known stay in force). */
  onRefreshError?: (err: unknown) => void;
}

/** Id of the bootstrap admin key's principal. */
export const BOOTSTRAP_KEY_ID = 'admin';

interface CachedKey {
  info: ApiKeyInfo;
  hash: Buffer;
  principal: Principal;
}

/**
 * The API keys: checks a presented key against the keys in `api_keys` (cached in memory, so no
 * request waits for the store), creates and revokes keys. A key created or revoked here takes
 * effect at once; one created or revoked by another collector on the same store within
 * `refreshMs`. The bootstrap admin key is compared, never stored.
 */
export class ApiKeyRegistry {
  readonly #store: ClickHouseStore;
  readonly #options: ApiKeyRegistryOptions;
  readonly #adminHash: Buffer | undefined;
  #keys = new Map<string, CachedKey>();
  /** Keys written here, by the sequence number of the write: kept over a refresh that started before it. */
  readonly #local = new Map<string, { key: CachedKey; seq: number }>();
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(store: ClickHouseStore, options: ApiKeyRegistryOptions) {
    this.#store = store;
    this.#options = options;
    this.#adminHash = options.adminKey ? hashKey(options.adminKey) : undefined;
  }

  /** Whether a bootstrap admin key is configured. */
  get hasAdminKey(): boolean {
    return this.#adminHash !== undefined;
  }

  /** Loads the keys, then refreshes them every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh();
    const tick = () => {
      this.refresh()
        .catch((err: unknown) => this.#options.onRefreshError?.(err))
        .finally(() => {
          if (this.#timer) this.#timer = setTimeout(tick, this.#options.refreshMs).unref();
        });
    };
    this.#timer = setTimeout(tick, this.#options.refreshMs).unref();
  }

  /** Stops refreshing and waits for a refresh in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#refreshing?.catch(() => undefined);
  }

  /** Re-reads every key from the store (one refresh at a time; a caller during one waits for it). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#load().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #load(): Promise<void> {
    const started = this.#seq;
    const rows = await readApiKeys(this.#store);
    const keys = new Map(rows.map((r) => [r.Id, cached(r)]));
    for (const [id, { key, seq }] of this.#local) {
      // Written after this read began: the read may not show it yet.
      if (seq >= started) keys.set(id, key);
      else this.#local.delete(id);
    }
    this.#keys = keys;
  }

  /**
   * The principal of a presented key; undefined for a key that is unknown, malformed or revoked.
   * The comparison takes the same time wherever the key differs from a stored one.
   */
  authenticate(key: string): Principal | undefined {
    const hash = hashKey(key);
    if (this.#adminHash && sameHash(hash, this.#adminHash)) return BOOTSTRAP_PRINCIPAL;
    const id = keyIdOf(key);
    const found = id === undefined ? undefined : this.#keys.get(id);
    if (!found || !sameHash(hash, found.hash) || found.info.revokedAt !== null) return undefined;
    return found.principal;
  }

  /** Creates a key; the key itself is in the answer and nowhere else. */
  async create(input: NewKeyInput, createdBy: string): Promise<{ info: ApiKeyInfo; key: string }> {
    const { id, key } = newApiKey();
    const row = {
      Id: id,
      Name: input.name,
      Project: input.project,
      Scopes: SCOPES.filter((s) => input.scopes.includes(s)),
      Hash: hashKey(key).toString('hex'),
      CreatedBy: createdBy,
      CreatedAt: Date.now(),
      RevokedAt: null,
      RecordsPerSecond: input.rateLimit?.recordsPerSecond ?? 0,
      Burst: input.rateLimit?.burst ?? 0,
      Revision: 0,
    };
    await writeApiKey(this.#store, row);
    const entry = cached({ ...row, CreatedAt: String(row.CreatedAt), RevokedAt: null });
    this.#remember(entry);
    return { info: entry.info, key };
  }

  /** Every key (of `project` when given), oldest first, revoked ones included. */
  list(project?: string): ApiKeyInfo[] {
    return [...this.#keys.values()].map((k) => k.info).filter((k) => project === undefined || k.project === project);
  }

  /** The key `id` (of `project` when given), or undefined. */
  get(id: string, project?: string): ApiKeyInfo | undefined {
    const info = this.#keys.get(id)?.info;
    return info && (project === undefined || info.project === project) ? info : undefined;
  }

  /** Revokes the key `id` (of `project` when given); refused from then on. Undefined for no such key; a revoked key stays as it is. */
  async revoke(id: string, project?: string): Promise<ApiKeyInfo | undefined> {
    const found = this.#keys.get(id);
    if (!found || (project !== undefined && found.info.project !== project)) return undefined;
    if (found.info.revokedAt !== null) return found.info;
    const now = Date.now();
    const i = found.info;
    await writeApiKey(this.#store, {
      Id: i.id,
      Name: i.name,
      Project: i.project,
      Scopes: i.scopes,
      Hash: found.hash.toString('hex'),
      CreatedBy: i.createdBy,
      CreatedAt: Date.parse(i.createdAt),
      RevokedAt: now,
      RecordsPerSecond: i.rateLimit?.recordsPerSecond ?? 0,
      Burst: i.rateLimit?.burst ?? 0,
      Revision: 1,
    });
    const entry: CachedKey = { ...found, info: { ...i, revokedAt: new Date(now).toISOString() } };
    this.#remember(entry);
    return entry.info;
  }

  #remember(entry: CachedKey): void {
    this.#keys.set(entry.info.id, entry);
    this.#local.set(entry.info.id, { key: entry, seq: this.#seq++ });
  }
}

/** The bootstrap admin key acts on every project with every scope. */
const BOOTSTRAP_PRINCIPAL: Principal = Object.freeze({ keyId: BOOTSTRAP_KEY_ID, project: ALL_PROJECTS, scopes: new Set(SCOPES) });

function cached(r: StoredApiKey): CachedKey {
  const scopes = SCOPES.filter((s) => r.Scopes.includes(s));
  const rateLimit = Number(r.RecordsPerSecond) > 0 ? { recordsPerSecond: Number(r.RecordsPerSecond), burst: Number(r.Burst) || Number(r.RecordsPerSecond) } : null;
  const info: ApiKeyInfo = {
    id: r.Id,
    name: r.Name,
    project: r.Project,
    scopes,
    createdAt: new Date(Number(r.CreatedAt)).toISOString(),
    createdBy: r.CreatedBy,
    revokedAt: r.RevokedAt === null ? null : new Date(Number(r.RevokedAt)).toISOString(),
    rateLimit,
  };
  return {
    info,
    hash: Buffer.from(r.Hash, 'hex'),
    principal: Object.freeze({ keyId: r.Id, project: r.Project, scopes: new Set(scopes), rateLimit: rateLimit ?? undefined }),
  };
}
