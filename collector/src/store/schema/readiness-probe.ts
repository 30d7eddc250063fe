import { DateTime64Nanos, UInt8 } from './column-types.js';
import { column, defineTable, type RowType } from './TableDefinition.js';

/**
 * `inferlens_readiness_probe`: what `/readyz` writes while ingestion's inserts fail, through the
 * same path to disk as ingestion's rows; one row per probe, kept to one row by merges (every row
 * has the same key).
 */
export const READINESS_PROBE = defineTable(
  'inferlens_readiness_probe',
  {
    /** Always 0: the table keeps one row. */
    Id: column(UInt8),
    ProbedAt: column(DateTime64Nanos),
  },
  { engine: 'ReplacingMergeTree(ProbedAt)', orderBy: 'Id' },
);

/** One row of `inferlens_readiness_probe`. */
export type ReadinessProbeRow = RowType<typeof READINESS_PROBE>;
