import { decodeRows, type RowCodec } from '../schema/TableDefinition.js';

// Test-only (excluded from the build): the one-column rows that the batcher's tests over a fake
// store insert, and how such a store reads back which rows an insert carried.

/** A row of the fake `rows` table: its id only. */
export interface IdRow {
  id: string;
}

/** The codec of the fake `rows` table: one `Id String` column. */
export const ID_CODEC: RowCodec<IdRow> = {
  table: 'rows',
  columns: ['Id'],
  wireColumns: [['Id', 'String']],
  write: (w, r) => w.string(r.id),
  read: (r) => ({ id: r.string() }),
};

/** The ids of the rows an insert carried, in order: `chunks` as the batcher hands them to its target, encoded by {@link ID_CODEC}. */
export function insertedIds(chunks: readonly Uint8Array[]): string[] {
  return chunks.flatMap((c) => decodeRows(ID_CODEC, c)).map((r) => r.id);
}
