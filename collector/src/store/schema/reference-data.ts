import { Float32ArrayType, LowCardinalityString, NumberMapType, Str, StringMapType, UInt64 } from './column-types.js';
import { column, defineTable, type RowType } from './TableDefinition.js';

/** `reference_data`: the rows of uploaded reference data sets, profiled like production windows. */
export const REFERENCE_DATA = defineTable(
  'reference_data',
  {
    Project: column(LowCardinalityString),
    ReferenceId: column(Str),
    RowIndex: column(UInt64),
    NumericFeatures: column(NumberMapType),
    CategoricalFeatures: column(StringMapType),
    NumericOutputs: column(NumberMapType),
    CategoricalOutputs: column(StringMapType),
    /** The row's true label ('' without one), for CBPE's calibration; added by migration 21. */
    Label: column(Str),
    /** The row's embedding ([] without one), for embedding drift; added by migration 21. */
    Embedding: column(Float32ArrayType),
  },
  { engine: 'MergeTree', orderBy: '(Project, ReferenceId, RowIndex)' },
);

/** One row of `reference_data`. */
export type ReferenceDataRow = RowType<typeof REFERENCE_DATA>;
