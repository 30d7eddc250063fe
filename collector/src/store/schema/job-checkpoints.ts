import { DateTime64Millis, LowCardinalityString } from './column-types.js';
import { column, defineTable, generated, type RowType } from './TableDefinition.js';

/** `job_checkpoints`: per job and stream, the end of the newest closed window (after merges). */
export const JOB_CHECKPOINTS = defineTable(
  'job_checkpoints',
  {
    /** `drift`, `sla:<slo>`, `quality`, `quality-feedback`. */
    Job: column(LowCardinalityString),
    Project: column(LowCardinalityString),
    ModelName: column(LowCardinalityString),
    ModelVersion: column(LowCardinalityString),
    WindowEnd: column(DateTime64Millis),
    UpdatedAt: generated(DateTime64Millis, 'now64(3)'),
  },
  { engine: 'ReplacingMergeTree(UpdatedAt)', orderBy: '(Job, Project, ModelName, ModelVersion)' },
);

/** One row of `job_checkpoints`. Times are Unix milliseconds. */
export type JobCheckpointRow = RowType<typeof JOB_CHECKPOINTS>;
