import { randomUUID } from 'node:crypto';
import type { RedactableValues, Redactor } from '../ingest/Redactor.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IngestLimits } from '../config.js';
import { NotFoundError, ReferenceEmptyError, ReferenceInvalidError, TooManyRecordsError } from '../errors.js';
import { utf8Text } from '../ingest/utf8-text.js';
import { readBody } from '../http/read-body.js';
import { projectOf } from '../http/request-context.js';
import { profileRange, profileReferenceData, type FeatureProfile } from '../jobs/feature-profile.js';
import { deleteReference, listReferences, referenceOf, saveReference } from '../store/repositories/reference-profiles.js';
import { parseTimeParam } from './read-plugin.js';
import { REFERENCE_DATA } from '../store/schema/reference-data.js';
import { parseCsv } from '../offline/read-csv.js';
import { isMissingCell, parseNumberCell } from '../offline/column-types.js';
import { bufferBodyParser } from '../http/body-parser.js';

const Target = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.String({ default: '', maxLength: 256 }),
});

const Upload = Type.Object({
  ...Target.properties,
  labelColumn: Type.Optional(
    Type.String({ minLength: 1, maxLength: 256, description: "the column (CSV) or key (a flat row) holding each row's true label, taken out of the features" }),
  ),
});

const Pin = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.String({ default: '', maxLength: 256 }),
  from: Type.String({ description: 'ISO-8601 or Unix milliseconds, inclusive' }),
  to: Type.String({ description: 'ISO-8601 or Unix milliseconds, exclusive' }),
  sourceVersion: Type.Optional(Type.String({ maxLength: 256, description: 'take the traffic of this version; default: the same version' })),
});

const ListQuery = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  model: Type.Optional(Type.String({ maxLength: 256 })),
});

const TYPES = ['application/x-ndjson', 'application/json', 'application/jsonl', 'text/csv'] as const;

type Columns = { nf: Record<string, number>; cf: Record<string, string>; no: Record<string, number>; co: Record<string, string>; label: string; embedding: number[] };

/** A label cell or field as the label string ('' for none): strings as they are, numbers and booleans as text. */
function labelOf(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  throw new Error(`${path}: expected a string, number or boolean label, got ${Array.isArray(v) ? 'array' : typeof v}`);
}

/** An `embedding` field: an array of at most `maxLength` finite numbers ([] for none). */
function embeddingOf(v: unknown, maxLength: number): number[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`embedding: expected an array of numbers, got ${typeof v}`);
  if (v.length > maxLength) throw new Error(`embedding: ${v.length} numbers, more than ${maxLength} (limits.maxEmbeddingLength)`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`embedding[${i}]: expected a finite number, got ${JSON.stringify(x)}`);
  });
  return v as number[];
}

/** Splits one object's values into numeric and categorical maps; throws a message naming the field. */
function splitValues(obj: unknown, path: string, numeric: Record<string, number>, categorical: Record<string, string>): void {
  if (obj === undefined || obj === null) return;
  if (typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`${path}: expected an object, got ${Array.isArray(obj) ? 'array' : typeof obj}`);
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined || v === '') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`${path}.${k}: expected a finite number, got ${v}`);
      numeric[k] = v;
    } else if (typeof v === 'string') categorical[k] = v;
    else if (typeof v === 'boolean') categorical[k] = String(v);
    else throw new Error(`${path}.${k}: expected number, string, boolean or null, got ${Array.isArray(v) ? 'array' : typeof v}`);
  }
}

/**
 * One reference row: `{ features: {...}, outputs: {...}, label?, embedding? }`, or a flat object
 * of features (whose `labelColumn` key, when given, is the label).
 */
function readRow(value: unknown, labelColumn: string | undefined, maxEmbedding: number): Columns {
  const cols: Columns = { nf: {}, cf: {}, no: {}, co: {}, label: '', embedding: [] };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
  const o = value as Record<string, unknown>;
  if ('features' in o || 'outputs' in o) {
    splitValues(o.features, 'features', cols.nf, cols.cf);
    splitValues(o.outputs, 'outputs', cols.no, cols.co);
    cols.label = labelOf(o.label, 'label');
    cols.embedding = embeddingOf(o.embedding, maxEmbedding);
  } else if (labelColumn !== undefined && labelColumn in o) {
    const { [labelColumn]: label, ...features } = o;
    cols.label = labelOf(label, labelColumn);
    splitValues(features, 'features', cols.nf, cols.cf);
  } else {
    splitValues(o, 'features', cols.nf, cols.cf);
  }
  return cols;
}

function parseRows(text: string, maxRows: number, labelColumn: string | undefined, maxEmbedding: number): Columns[] {
  const trimmed = text.trimStart();
  let values: unknown[];
  const where: number[] = [];
  if (trimmed.startsWith('[')) {
    try {
      values = JSON.parse(trimmed) as unknown[];
    } catch (err) {
      throw new ReferenceInvalidError(`the body starts with [ but is not valid JSON: ${(err as Error).message}`);
    }
    values.forEach((_, i) => where.push(i + 1));
  } else {
    values = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!line) continue;
      try {
        values.push(JSON.parse(line));
      } catch (err) {
        throw new ReferenceInvalidError(`line ${i + 1}: invalid JSON: ${(err as Error).message}`);
      }
      where.push(i + 1);
    }
  }
  if (values.length > maxRows) throw new TooManyRecordsError(maxRows, `the reference holds ${values.length} rows, more than limits.maxRecordsPerRequest (${maxRows})`);
  if (values.length === 0) throw new ReferenceEmptyError('the reference data set has no rows');
  return values.map((v, i) => {
    try {
      return readRow(v, labelColumn, maxEmbedding);
    } catch (err) {
      throw new ReferenceInvalidError(`${trimmed.startsWith('[') ? 'row' : 'line'} ${where[i]}: ${(err as Error).message}`);
    }
  });
}

/**
 * Rows of a CSV reference: the header names the columns; a column named `output.<name>` is a
 * model output, the `labelColumn` (when given) the true label, every other column a feature. A
 * column is numeric when every non-empty cell is a number, categorical otherwise (as in
 * `inferlens drift`); empty cells are missing values.
 */
function parseCsvRows(text: string, maxRows: number, labelColumn: string | undefined): Columns[] {
  let table;
  try {
    table = parseCsv(text, 'CSV body');
  } catch (err) {
    throw new ReferenceInvalidError((err as Error).message);
  }
  if (table.rows.length > maxRows) throw new TooManyRecordsError(maxRows, `the reference holds ${table.rows.length} rows, more than limits.maxRecordsPerRequest (${maxRows})`);
  if (labelColumn !== undefined && !table.header.includes(labelColumn)) {
    throw new ReferenceInvalidError(`labelColumn ${JSON.stringify(labelColumn)} is not a column of the CSV header (${table.header.map((h) => JSON.stringify(h)).join(', ')})`);
  }
  const numeric = table.header.map((_, c) => table.rows.every((row) => isMissingCell(row[c]!) || parseNumberCell(row[c]!) !== undefined));
  return table.rows.map((row) => {
    const cols: Columns = { nf: {}, cf: {}, no: {}, co: {}, label: '', embedding: [] };
    table.header.forEach((name, c) => {
      const cell = row[c]!;
      if (isMissingCell(cell)) return;
      if (name === labelColumn) {
        cols.label = cell;
        return;
      }
      const isOutput = name.startsWith('output.');
      const key = isOutput ? name.slice('output.'.length) : name;
      if (numeric[c]) (isOutput ? cols.no : cols.nf)[key] = parseNumberCell(cell)!;
      else (isOutput ? cols.co : cols.cf)[key] = cell;
    });
    return cols;
  });
}

/** Column names of a profile, for API answers. */
function describeProfile(p: FeatureProfile) {
  return {
    rows: p.rows,
    numericFeatures: Object.keys(p.numeric.feature).sort(),
    categoricalFeatures: Object.keys(p.categorical.feature).sort(),
    numericOutputs: Object.keys(p.numeric.output).sort(),
    categoricalOutputs: Object.keys(p.categorical.output).sort(),
  };
}

/**
 * Reference profiles: what each model version's production traffic is compared with.
 * - `POST /v1/references?model=&version=` uploads a data set (NDJSON or a JSON array of rows,
 *   each `{ features, outputs }` or a flat object of features; gzip allowed). The rows are kept
 *   in `reference_data` and profiled in ClickHouse with the same queries as production windows.
 * - `POST /api/v1/references/pin` pins a time range of production traffic (optionally of
 *   another version) as the reference.
 * - `GET /api/v1/references` lists them; `DELETE /api/v1/references?model=&version=` removes one.
 * Uploading or pinning again replaces the version's reference.
 */
export async function referencesPlugin(app: FastifyInstance, opts: { limits: IngestLimits; redactor?: Redactor; maxEmbeddingLength: number }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  const projectFor = (request: FastifyRequest, explicit: string | undefined) => explicit ?? projectOf(request);

  async function saveProfile(row: { project: string; model: string; version: string; referenceId: string; kind: string; sourceVersion: string; from: string | null; to: string | null; profile: FeatureProfile }) {
    const toMs = (ns: string | null) => (ns === null ? null : Number(BigInt(ns) / 1_000_000n));
    await saveReference(app.store, {
      Project: row.project,
      ModelName: row.model,
      ModelVersion: row.version,
      ReferenceId: row.referenceId,
      Kind: row.kind,
      SourceVersion: row.sourceVersion,
      SourceFrom: toMs(row.from),
      SourceTo: toMs(row.to),
      Rows: row.profile.rows,
      Profile: JSON.stringify(row.profile),
    });
  }

  // Uploads read the raw body (NDJSON, JSON array, gzip) in their own context.
  await app.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', { bodyLimit: opts.limits.maxBodyBytes }, bufferBodyParser(opts.limits.maxBodyBytes));
    uploads.withTypeProvider<TypeBoxTypeProvider>().post('/v1/references', { schema: { querystring: Upload } }, async (request) => {
      const { body, mediaType } = await readBody(request, TYPES, opts.limits.maxDecompressedBytes);
      const text = utf8Text(body); // ill-formed UTF-8 becomes U+FFFD (see utf8-text.ts)
      const { labelColumn } = request.query;
      const rows =
        mediaType === 'text/csv'
          ? parseCsvRows(text, opts.limits.maxRecordsPerRequest, labelColumn)
          : parseRows(text, opts.limits.maxRecordsPerRequest, labelColumn, opts.maxEmbeddingLength);
      const project = projectFor(request, request.query.project);
      const referenceId = randomUUID();
      // Redacted as the model's predictions are (redaction.rules), so that a hashed feature compares with its reference.
      const redact = (values: RedactableValues) => (opts.redactor ? opts.redactor.redactValues(project, request.query.model, values) : values);
      await app.store.insert(
        REFERENCE_DATA,
        rows.map((r, i) => ({
          Project: project,
          ReferenceId: referenceId,
          RowIndex: i,
          ...redact({ NumericFeatures: r.nf, CategoricalFeatures: r.cf, NumericOutputs: r.no, CategoricalOutputs: r.co }),
          Label: r.label,
          Embedding: r.embedding,
        })),
      );
      const profile = await profileReferenceData(app.store, project, referenceId);
      const previous = await referenceOf(app.store, project, request.query.model, request.query.version);
      await saveProfile({ project, model: request.query.model, version: request.query.version, referenceId, kind: 'dataset', sourceVersion: '', from: null, to: null, profile });
      await app.audit(request, {
        action: previous ? 'reference.replaced' : 'reference.uploaded',
        project,
        target: `${request.query.model}/${request.query.version}`,
        details: { referenceId, rows: String(profile.rows), ...(previous ? { replaced: previous.referenceId } : {}) },
      });
      const labelled = rows.filter((r) => r.label !== '').length;
      const embedded = rows.filter((r) => r.embedding.length > 0).length;
      return { referenceId, project, model: request.query.model, version: request.query.version, kind: 'dataset', ...describeProfile(profile), labelledRows: labelled, embeddingRows: embedded };
    });
  });

  api.post('/api/v1/references/pin', { schema: { body: Pin } }, async (request) => {
    const q = request.body;
    const project = projectFor(request, q.project);
    const from = parseTimeParam('from', q.from)!;
    const to = parseTimeParam('to', q.to)!;
    if (BigInt(from) >= BigInt(to)) throw new ReferenceInvalidError(`from (${q.from}) must be before to (${q.to})`);
    const sourceVersion = q.sourceVersion ?? q.version;
    const profile = await profileRange(app.store, { project, model: q.model, version: sourceVersion }, { from, to });
    if (profile.rows === 0) {
      throw new ReferenceEmptyError(`no predictions of ${q.model} version ${JSON.stringify(sourceVersion)} between ${q.from} and ${q.to}; nothing to pin`);
    }
    const referenceId = randomUUID();
    const previous = await referenceOf(app.store, project, q.model, q.version);
    await saveProfile({ project, model: q.model, version: q.version, referenceId, kind: 'pinned', sourceVersion, from, to, profile });
    await app.audit(request, {
      action: 'reference.pinned',
      project,
      target: `${q.model}/${q.version}`,
      details: { referenceId, sourceVersion, from: q.from, to: q.to, rows: String(profile.rows), ...(previous ? { replaced: previous.referenceId } : {}) },
    });
    return { referenceId, project, model: q.model, version: q.version, kind: 'pinned', sourceVersion, ...describeProfile(profile) };
  });

  api.get('/api/v1/references', { schema: { querystring: ListQuery } }, async (request) => {
    const project = projectFor(request, request.query.project);
    const rows = await listReferences(app.store, project, request.query.model);
    return {
      references: rows.map((r) => ({
        referenceId: r.referenceId,
        project,
        model: r.model,
        version: r.version,
        kind: r.kind,
        sourceVersion: r.sourceVersion,
        createdAt: r.createdAt,
        ...describeProfile(JSON.parse(r.profile) as FeatureProfile),
      })),
    };
  });

  api.delete('/api/v1/references', { schema: { querystring: Target } }, async (request) => {
    const project = projectFor(request, request.query.project);
    const existing = await referenceOf(app.store, project, request.query.model, request.query.version);
    if (!existing) throw new NotFoundError(`no reference for ${request.query.model} version ${JSON.stringify(request.query.version)}`);
    await deleteReference(app.store, project, request.query.model, request.query.version, existing.referenceId);
    await app.audit(request, { action: 'reference.deleted', project, target: `${request.query.model}/${request.query.version}`, details: { referenceId: existing.referenceId } });
    return { deleted: existing.referenceId };
  });
}
