import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatUnixNanos } from '../ingest/native/format-unix-nanos.js';
import { StoreError } from '../errors.js';
import { ClickHouseStore } from './ClickHouseStore.js';
import { InsertBatcher } from './InsertBatcher.js';
import { PREDICTIONS, type PredictionRow } from './schema/predictions.js';

// A part damaged on disk, on the real engine: a merge that runs out of disk can leave a merged
// part whose skip-index marks file is empty (seen in the disk-full chaos scenario,
// `Empty marks file ... CORRUPTED_DATA`). Here the marks file of a merged part is emptied by
// hand, which gives the same error; every insert of `predictions` then fails, since its
// duplicate check reads the table. The batcher answers 503 and the store repairs the table
// (DETACH and ATTACH TABLE): the part is detached, the parts it was merged from come back, and
// no acknowledged row is lost.

let dataDir: string;
let store: ClickHouseStore;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-damaged-part-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  await store.migrate();
});

afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function prediction(id: string, secondsAgo: number, version = 'v1'): PredictionRow {
  return {
    Timestamp: formatUnixNanos(BigInt(Date.now() - secondsAgo * 1000) * 1_000_000n), PredictionId: id, TraceId: '', SpanId: '', Project: 'default',
    ServiceName: 'svc', ModelName: 'm', ModelVersion: version, Environment: '', Segment: '', LatencyMs: 1, Status: 'ok', ErrorType: '',
    NumericFeatures: { x: 1 }, CategoricalFeatures: {}, NumericOutputs: {}, CategoricalOutputs: {}, InputTokens: 0, OutputTokens: 0,
    SampleRate: 1, Attributes: {}, Embedding: [], IngestKey: '',
  };
}

function request(name: string, count: number, version = 'v1'): PredictionRow[] {
  return Array.from({ length: count }, (_, i) => prediction(`${name}-${i}`, i % 100, version));
}

async function storedCount(): Promise<number> {
  const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM predictions`);
  return Number(row!.n);
}

/** Merges the table's parts into one and empties the first file of that part `damaged` picks; returns the part's directory. */
async function damageMergedPart(damaged: (file: string) => boolean): Promise<string> {
  await store.command('OPTIMIZE TABLE predictions FINAL');
  const parts = await store.query<{ path: string; name: string }>(`SELECT path, name FROM system.parts WHERE database = currentDatabase() AND table = 'predictions' AND active`);
  expect(parts).toHaveLength(1);
  const path = parts[0]!.path;
  const file = readdirSync(path).find(damaged);
  expect(file, `the file to damage in ${readdirSync(path).join(', ')}`).toBeDefined();
  truncateSync(join(path, file!), 0);
  return path;
}

// Both seen after a full disk: an empty marks file (CORRUPTED_DATA) and a column file cut short
// (CANNOT_READ_ALL_DATA, the code the rows' own bytes would give, "while reading from part").
const DAMAGES = [
  { what: 'the marks file of the request-key index', file: (f: string) => f.startsWith('skp_idx_idx_ingest_key') && f.includes('mrk'), message: /Empty marks file/ },
  { what: 'the request-key column file', file: (f: string) => f === 'IngestKey.bin', message: /Cannot read all data.*while reading from part/ },
];

describe('a damaged part of a table (embedded store)', () => {
  it.each(DAMAGES)('$what emptied: the insert that meets it gets a 503, the table is repaired, the retry is stored and nothing stored is lost', async ({ file, message }) => {
    // Wide parts (a file per column), as the chaos scenario's merged parts were.
    await store.command('ALTER TABLE predictions MODIFY SETTING min_bytes_for_wide_part = 0');
    const repairs: unknown[] = [];
    const batcher = new InsertBatcher(store, PREDICTIONS, { maxDelayMs: 1 }, { onRepair: (_table, err) => repairs.push(err) });
    await batcher.add(request('a', 3000), { key: 'key-a' });
    await batcher.add(request('b', 3000), { key: 'key-b' });
    const part = await damageMergedPart(file);

    // More records under request a's key (a client that regroups records between attempts does so): the duplicate check reads a's stored rows.
    const retried = request('c', 500);
    const failed = await batcher.add(retried, { key: 'key-a' }).then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(StoreError);
    expect((failed as StoreError).statusCode).toBe(503);
    expect((failed as Error).message).toMatch(message);
    expect((failed as Error).message).toMatch(/damaged on disk and the collector is repairing it/);

    // The client retries after Retry-After; the repair is done by then (here: once it is reported).
    const deadline = performance.now() + 30_000;
    while (repairs.length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(repairs).toEqual([undefined]);
    await batcher.add(retried, { key: 'key-a' });
    await batcher.add(request('d', 200, 'v2'), { key: 'key-d' });
    await batcher.close();

    expect(await storedCount()).toBe(6700);
    const [ids] = await store.query<{ n: string }>(`SELECT uniqExact(PredictionId) AS n FROM predictions`);
    expect(Number(ids!.n)).toBe(6700);
    // The damaged part was detached; its name is in detached/ as a broken part.
    const detached = join(part, '..', 'detached');
    expect(existsSync(detached) ? readdirSync(detached).some((d) => d.startsWith('broken')) : false).toBe(true);
    // The table's materialized views still run after the repair: model_activity, fed by one, has the version only 'd' sent.
    const versions = await store.query<{ v: string }>(`SELECT DISTINCT ModelVersion AS v FROM model_activity ORDER BY v`);
    expect(versions.map((r) => r.v)).toEqual(['v1', 'v2']);
  });

  it('repairTable attaches a table left detached by an interrupted repair', async () => {
    await store.insert(PREDICTIONS, request('a', 10));
    await store.command('DETACH TABLE predictions');
    await store.repairTable!('predictions');
    expect(await storedCount()).toBe(10);
  });
});
