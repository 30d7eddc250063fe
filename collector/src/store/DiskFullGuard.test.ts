import { mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatUnixNanos } from '../ingest/native/format-unix-nanos.js';
import { StoreError } from '../errors.js';
import { ClickHouseStore } from './ClickHouseStore.js';
import { DiskFullGuard, type GuardLog } from './DiskFullGuard.js';
import { isDiskFull } from './insert-failure.js';
import { InsertBatcher } from './InsertBatcher.js';
import { PREDICTIONS, type PredictionRow } from './schema/predictions.js';

// The guard on the real engine. The full disk itself is played by the guard's `space` function
// and by the failure it is told (the disk-full chaos scenario fills a real tmpfs); the damage is
// the one a merge cut short by a full disk left there: a merged part whose column file is empty
// while the engine takes the part for whole. Inserts do not read that file, so none fails on
// it; without the guard its rows are lost the next time the store opens (the engine sets the
// part aside, and the parts it was merged from are gone).

let dataDir: string;
let store: ClickHouseStore;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-disk-guard-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  await store.migrate();
  await store.keepReplacedParts();
});

afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function request(name: string, count: number): PredictionRow[] {
  const now = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: count }, (_, i) => ({
    Timestamp: formatUnixNanos(now - BigInt(i % 100) * 1_000_000_000n), PredictionId: `${name}-${i}`, TraceId: '', SpanId: '', Project: 'default',
    ServiceName: 'svc', ModelName: 'm', ModelVersion: 'v1', Environment: 'prod', Segment: '', LatencyMs: i, Status: 'ok', ErrorType: '',
    NumericFeatures: { x: i }, CategoricalFeatures: {}, NumericOutputs: {}, CategoricalOutputs: {}, InputTokens: 0, OutputTokens: 0,
    SampleRate: 1, Attributes: {}, Embedding: [], IngestKey: '',
  }));
}

async function count(sql: string): Promise<number> {
  const [row] = await store.query<{ n: string }>(sql);
  return Number(row!.n);
}

const quiet: GuardLog = { info: () => {}, warn: () => {}, error: () => {} };
const noSpace = () => new StoreError('insert into predictions failed: Cannot write to file /data/tmp/spool: No space left on device', Object.assign(new Error('write failed'), { code: 'ENOSPC' }));

describe('isDiskFull', () => {
  it('knows a full disk by the engine\'s code, the system\'s error code or its message, in the error or its causes', () => {
    expect(isDiskFull(noSpace())).toBe(true);
    expect(isDiskFull(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe(true);
    expect(isDiskFull(new StoreError('insert failed', Object.assign(new Error('Not enough space'), { code: '243', type: 'NOT_ENOUGH_SPACE' })))).toBe(true);
    expect(isDiskFull(new StoreError('insert failed', Object.assign(new Error('x'), { clickhouseCode: 243 })))).toBe(true);
    expect(isDiskFull(new StoreError('insert failed', Object.assign(new Error('Too many parts'), { code: '252', type: 'TOO_MANY_PARTS' })))).toBe(false);
    expect(isDiskFull(undefined)).toBe(false);
  });
});

describe('DiskFullGuard (embedded store)', () => {
  it('stops merges, finds a merged part the full disk damaged, repairs its table before its rows are lost, and starts merges once there is room', async () => {
    // Wide parts (a file per column), as the chaos scenario's merged parts were: small ones are compact (one file).
    await store.command('ALTER TABLE predictions MODIFY SETTING min_bytes_for_wide_part = 0');
    const batcher = new InsertBatcher(store, PREDICTIONS, { maxDelayMs: 1 });
    for (const name of ['a', 'b', 'c']) await batcher.add(request(name, 2000), { key: `key-${name}` });
    await store.command('OPTIMIZE TABLE predictions FINAL');
    const [merged] = await store.query<{ path: string }>(`SELECT path FROM system.parts WHERE database = currentDatabase() AND table = 'predictions' AND active`);
    // A column no insert reads: the damage goes unnoticed by ingestion.
    const file = readdirSync(merged!.path).find((f) => f.startsWith('LatencyMs') && f.endsWith('.bin'))!;
    truncateSync(join(merged!.path, file), 0);
    expect(await count(`SELECT count() AS n FROM predictions`)).toBe(6000);
    // The damage is real: the column's values read wrong (zeros) or fail to read.
    const sumA = `SELECT sum(LatencyMs) AS n FROM predictions WHERE PredictionId LIKE 'a-%'`;
    expect(await count(sumA).catch(() => NaN)).not.toBe((1999 * 2000) / 2);

    let free = 0;
    const guard = new DiskFullGuard({ store, dataDir, log: quiet, repair: () => batcher.repair(), space: () => ({ free, total: 1 << 30 }), pollMs: 10 });
    guard.noteFailure(noSpace());
    // The damaged part is found and its table repaired while the disk is still full.
    const deadline = performance.now() + 30_000;
    while (guard.repaired.length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(guard.repaired).toEqual(['predictions']);
    // The column reads again: the damaged part is set aside and the parts it merged are back.
    expect(await count(sumA)).toBe((1999 * 2000) / 2);
    // Merges stay stopped while the disk is full (after the repair too, from the next poll): OPTIMIZE is cancelled.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(store.command('OPTIMIZE TABLE predictions FINAL')).rejects.toThrow(/cancelled/i);
    free = 1 << 29;
    await guard.idle();
    await store.command('OPTIMIZE TABLE predictions FINAL');

    await batcher.add(request('d', 100), { key: 'key-d' });
    await batcher.close();
    expect(await count(`SELECT uniqExact(PredictionId) AS n FROM predictions`)).toBe(6100);
    expect(await count(`SELECT count() AS n FROM predictions`)).toBe(6100);
    // Opened again, the store finds every row (the damaged part was set aside while the parts it merged were still there).
    await store.close();
    store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
    expect(await count(`SELECT uniqExact(PredictionId) AS n FROM predictions`)).toBe(6100);
    expect(await count(`SELECT sum(LatencyMs) AS n FROM predictions WHERE PredictionId LIKE 'a-%'`)).toBe((1999 * 2000) / 2);
  });

  it('starts on its own when the free space it watches falls below the minimum, with no insert failing, and stops when there is room', async () => {
    const calls: string[] = [];
    const recording = { query: store.query.bind(store), command: async (sql: string) => { calls.push(sql); await store.command(sql); } };
    let free = 1 << 30;
    const guard = new DiskFullGuard({ store: recording, dataDir, log: quiet, repair: async () => {}, space: () => ({ free, total: 2 ** 31 }), pollMs: 10, watchMs: 10 });
    guard.watch();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual([]);
    free = 1024;
    const deadline = performance.now() + 10_000;
    while (!calls.includes('SYSTEM STOP MERGES') && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls[0]).toBe('SYSTEM STOP MERGES');
    free = 1 << 30;
    while (!calls.includes('SYSTEM START MERGES') && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.at(-1)).toBe('SYSTEM START MERGES');
    await guard.close();
  });

  it('does nothing for a failure that is not a full disk, and starts merges again at close while the disk is still full', async () => {
    const calls: string[] = [];
    const recording = { query: store.query.bind(store), command: async (sql: string) => { calls.push(sql); await store.command(sql); } };
    const guard = new DiskFullGuard({ store: recording, dataDir, log: quiet, repair: async () => {}, space: () => ({ free: 0, total: 1 << 30 }), pollMs: 10 });
    guard.noteFailure(new StoreError('insert failed', Object.assign(new Error('Too many parts'), { code: '252', type: 'TOO_MANY_PARTS' })));
    await guard.idle();
    expect(calls).toEqual([]);
    guard.noteFailure(noSpace());
    guard.noteFailure(noSpace()); // once at a time
    await new Promise((resolve) => setTimeout(resolve, 50));
    await guard.close();
    // Stopped (again at each poll while full), started once, at the end.
    expect(calls[0]).toBe('SYSTEM STOP MERGES');
    expect(calls.slice(0, -1).every((c) => c === 'SYSTEM STOP MERGES')).toBe(true);
    expect(calls.filter((c) => c === 'SYSTEM START MERGES')).toHaveLength(1);
    expect(calls.at(-1)).toBe('SYSTEM START MERGES');
    await store.command('OPTIMIZE TABLE predictions FINAL');
  });
});
