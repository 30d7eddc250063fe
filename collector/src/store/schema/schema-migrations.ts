import { DateTime64Millis, Str, UInt32 } from './column-types.js';
import { column, defineTable, generated } from './TableDefinition.js';

/** `inferlens_schema_migrations`: the versions applied, each recorded once all its statements succeeded. */
export const SCHEMA_MIGRATIONS = defineTable(
  'inferlens_schema_migrations',
  {
    Version: column(UInt32),
    Name: column(Str),
    AppliedAt: generated(DateTime64Millis, 'now64(3)'),
  },
  { engine: 'MergeTree', orderBy: 'Version' },
);
