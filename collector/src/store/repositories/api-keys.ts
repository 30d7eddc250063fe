import type { ClickHouseStore } from '../ClickHouseStore.js';
import { API_KEYS, type ApiKeyRow } from '../schema/api-keys.js';

/** A key as read: its newest state. Times as Unix ms text (`RevokedAt` null while the key is valid). */
export interface StoredApiKey {
  Id: string;
  Name: string;
  Project: string;
  Scopes: string[];
  Hash: string;
  CreatedBy: string;
  CreatedAt: string;
  RevokedAt: string | null;
  RecordsPerSecond: number;
  Burst: number;
}

/** Every key, revoked ones included, in the newest state of each (what the key registry caches). */
export function readApiKeys(store: ClickHouseStore): Promise<StoredApiKey[]> {
  return store.query<StoredApiKey>(
    `SELECT Id, Name, Project, Scopes, Hash, CreatedBy, toString(toUnixTimestamp64Milli(CreatedAt)) AS CreatedAt,
            if(isNull(RevokedAt), NULL, toString(toUnixTimestamp64Milli(RevokedAt))) AS RevokedAt, RecordsPerSecond, Burst
     FROM api_keys FINAL ORDER BY CreatedAt, Id`,
  );
}

/** Writes a key's state: a new key (`Revision` 0) or its revocation (`Revision` 1, `RevokedAt` set). */
export function writeApiKey(store: ClickHouseStore, row: ApiKeyRow): Promise<void> {
  return store.insert(API_KEYS, [row]);
}
