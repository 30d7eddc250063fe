import type { ClickHouseStore } from '../ClickHouseStore.js';
import { REFERENCE_PROFILES, type ReferenceProfileRow } from '../schema/reference-profiles.js';

/** A model version's reference as read: the latest row of its key, not deleted. */
export interface StoredReference {
  project: string;
  model: string;
  version: string;
  referenceId: string;
  kind: string;
  sourceVersion: string;
  rows: number;
  /** `CreatedAt` as the engine formats it (`YYYY-MM-DD hh:mm:ss.sss`, its time zone). */
  createdAt: string;
  /** The profile, as JSON text. */
  profile: string;
  /** A pinned reference's range of event time, Unix ms (null for an uploaded data set). */
  sourceFromMs: number | null;
  sourceToMs: number | null;
}

type StoredRow = {
  Project: string; ModelName: string; ModelVersion: string; ReferenceId: string; Kind: string; SourceVersion: string; Rows: string | number; CreatedAt: string; Profile: string;
  FromMs: string | number | null; ToMs: string | number | null;
};

const COLUMNS = 'Project, ModelName, ModelVersion, ReferenceId, Kind, SourceVersion, Rows, toString(CreatedAt) AS CreatedAt, Profile, toUnixTimestamp64Milli(SourceFrom) AS FromMs, toUnixTimestamp64Milli(SourceTo) AS ToMs';

const stored = (r: StoredRow): StoredReference => ({
  project: r.Project,
  model: r.ModelName,
  version: r.ModelVersion,
  referenceId: r.ReferenceId,
  kind: r.Kind,
  sourceVersion: r.SourceVersion,
  rows: Number(r.Rows),
  createdAt: r.CreatedAt,
  profile: r.Profile,
  sourceFromMs: r.FromMs === null ? null : Number(r.FromMs),
  sourceToMs: r.ToMs === null ? null : Number(r.ToMs),
});

/** Every model version's reference, by project, model and version (what the drift job compares with). */
export async function listAllReferences(store: ClickHouseStore): Promise<StoredReference[]> {
  const rows = await store.query<StoredRow>(`SELECT ${COLUMNS} FROM reference_profiles FINAL WHERE Deleted = 0 ORDER BY Project, ModelName, ModelVersion`);
  return rows.map(stored);
}

/** A project's references (optionally of one model), by model and version. */
export async function listReferences(store: ClickHouseStore, project: string, model?: string): Promise<StoredReference[]> {
  const params: Record<string, unknown> = { project };
  let where = 'Project = {project:String} AND Deleted = 0';
  if (model !== undefined) (where += ' AND ModelName = {model:String}'), (params.model = model);
  const rows = await store.query<StoredRow>(`SELECT ${COLUMNS} FROM reference_profiles FINAL WHERE ${where} ORDER BY ModelName, ModelVersion`, params);
  return rows.map(stored);
}

/** The reference of one model version, if it has one. */
export async function referenceOf(store: ClickHouseStore, project: string, model: string, version: string): Promise<StoredReference | undefined> {
  const [row] = await store.query<StoredRow>(
    `SELECT ${COLUMNS} FROM reference_profiles FINAL
     WHERE Project = {project:String} AND ModelName = {model:String} AND ModelVersion = {version:String} AND Deleted = 0 LIMIT 1`,
    { project, model, version },
  );
  return row && stored(row);
}

/** Stores a model version's reference (replacing the one it had). */
export function saveReference(store: ClickHouseStore, row: Omit<ReferenceProfileRow, 'Deleted'>): Promise<void> {
  return store.insert(REFERENCE_PROFILES, [{ ...row, Deleted: false }]);
}

/** Deletes a model version's reference: a newer row of its key, marked deleted. */
export function deleteReference(store: ClickHouseStore, project: string, model: string, version: string, referenceId: string): Promise<void> {
  return store.insert(REFERENCE_PROFILES, [
    { Project: project, ModelName: model, ModelVersion: version, ReferenceId: referenceId, Kind: 'deleted', SourceVersion: '', SourceFrom: null, SourceTo: null, Rows: 0, Profile: '{}', Deleted: true },
  ]);
}
