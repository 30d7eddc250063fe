import { ArrayOf, DateTime64Millis, LowCardinalityString, NullableDateTime64Millis, Str, UInt32, UInt8 } from './column-types.js';
import { column, defineTable, type RowType } from './TableDefinition.js';

/**
 * `api_keys`: the collector's API keys, one row per key after merges. A key is never stored, only
 * the SHA-256 of it (`Hash`, hex); revoking a key writes the same key again with `Revision` 1 and
 * `RevokedAt`, which wins over the row that created it (`ReplacingMergeTree(Revision)`).
 */
export const API_KEYS = defineTable(
  'api_keys',
  {
    /** The key's public id: 16 hex digits, also the key's second part (`ilk_<id>_<secret>`). */
    Id: column(Str),
    Name: column(Str),
    /** The one project the key acts on, or `*` for every project. */
    Project: column(LowCardinalityString),
    /** `ingest`, `read`, `admin`. */
    Scopes: column(ArrayOf.LowCardinalityString),
    /** SHA-256 of the whole key, hex. */
    Hash: column(Str),
    /** Id of the key that created it (`admin` for the bootstrap key, `''` with authentication off). */
    CreatedBy: column(Str),
    CreatedAt: column(DateTime64Millis),
    RevokedAt: column(NullableDateTime64Millis),
    /** Records per second this key may send; 0: the configured default (`auth.rateLimit.recordsPerSecond`). */
    RecordsPerSecond: column(UInt32),
    /** Burst of records; 0: the configured default (`auth.rateLimit.burst`). */
    Burst: column(UInt32),
    /** 0 when created, 1 when revoked: the newest state of a key wins. */
    Revision: column(UInt8),
  },
  { engine: 'ReplacingMergeTree(Revision)', orderBy: 'Id' },
);

/** One row of `api_keys`. Times are Unix milliseconds. */
export type ApiKeyRow = RowType<typeof API_KEYS>;
