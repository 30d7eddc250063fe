import { DateTime64Millis, LowCardinalityString, Str, StringMapType } from './column-types.js';
import { column, defineTable, type RowType } from './TableDefinition.js';

/**
 * `audit_log`: who changed what, when, from where: keys created and revoked, references uploaded,
 * replaced, pinned and deleted, rules reloaded, jobs run through the API, the configuration loaded
 * at start. Kept apart from the data it describes: deleting a reference leaves its entries.
 */
export const AUDIT_LOG = defineTable(
  'audit_log',
  {
    Time: column(DateTime64Millis),
    /** Id of the key that acted (`admin`: the bootstrap key; `''`: no key, authentication off; `collector`: the collector itself). */
    KeyId: column(Str),
    /** The project acted on, or `*` for the whole collector (rules, configuration, a job run over every project). */
    Project: column(LowCardinalityString),
    /** `key.created`, `key.revoked`, `reference.uploaded`, `reference.replaced`, `reference.pinned`, `reference.deleted`, `rules.reloaded`, `job.run`, `config.loaded`. */
    Action: column(LowCardinalityString),
    /** What was acted on: a key id, `model/version`, a rules file, a job name. */
    Target: column(Str),
    /** The rest, by name (a file's SHA-256, a reference id, scopes); never a key or a secret. */
    Details: column(StringMapType),
    /** The client's address (`''` for the collector's own entries). */
    Address: column(Str),
  },
  { engine: 'MergeTree', partitionBy: 'toYYYYMM(Time)', orderBy: '(Project, Time)' },
);

/** One row of `audit_log`. Times are Unix milliseconds. */
export type AuditLogRow = RowType<typeof AUDIT_LOG>;
