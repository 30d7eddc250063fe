import { describe, expect, it } from 'vitest';
import { SaturatedError, StoreError } from '../errors.js';
import { InsertHealth, isStoreFailure } from './InsertHealth.js';

// The state logic alone, with a fake clock and a fake probe; test/e2e/readiness.test.ts makes
// inserts fail for real (a full disk) against a collector process.

const diskFull = () =>
  new StoreError('insert into predictions failed: Cannot reserve 1.00 MiB, not enough space (NOT_ENOUGH_SPACE)', {
    message: 'Cannot reserve 1.00 MiB, not enough space (NOT_ENOUGH_SPACE)',
  });
const badBatch = () => new StoreError('insert into predictions failed: Cannot parse input (CANNOT_PARSE_INPUT_ASSERTION_FAILED)', { type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED' });

/** An InsertHealth on a clock the test moves, with a probe the test settles. */
function setup(quietMs = 5000) {
  let now = 1_000_000;
  const probes: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  const health = new InsertHealth({
    quietMs,
    now: () => now,
    probe: () => new Promise<void>((resolve, reject) => probes.push({ resolve, reject })),
  });
  return {
    health,
    probes,
    advance: (ms: number) => (now += ms),
    /** Lets the pending microtasks (a check waiting for its probe) run. */
    settle: () => new Promise<void>((r) => setImmediate(r)),
  };
}

describe('isStoreFailure', () => {
  it('counts store errors, not errors that blame one batch or that are not the store’s', () => {
    expect(isStoreFailure(diskFull())).toBe(true);
    expect(isStoreFailure(new StoreError('ClickHouse unreachable: ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })))).toBe(true);
    expect(isStoreFailure(badBatch())).toBe(false);
    expect(isStoreFailure(new StoreError('x', { message: 'Too large string size (TOO_LARGE_STRING_SIZE)' }))).toBe(false);
    expect(isStoreFailure(new StoreError('x', { message: 'missing second part of surrogate pair (CANNOT_PARSE_ESCAPE_SEQUENCE)' }))).toBe(false);
    expect(isStoreFailure(new SaturatedError('too many rows waiting'))).toBe(false);
    expect(isStoreFailure(new Error('a bug'))).toBe(false);
  });
});

describe('InsertHealth', () => {
  it('is ready while inserts succeed, not ready once the latest insert of a table failed, naming it and the error', async () => {
    const { health } = setup();
    expect(await health.check()).toEqual({ ready: true });
    health.record('otel_traces');
    expect(await health.check()).toEqual({ ready: true });
    health.record('predictions', diskFull());
    const r = await health.check();
    expect(r.ready).toBe(false);
    if (r.ready) return;
    expect(r.reason).toMatch(/^the latest insert into predictions failed: insert into predictions failed: Cannot reserve .*NOT_ENOUGH_SPACE/);
    expect(r.failing).toEqual([
      { table: 'predictions', error: diskFull().message, clickhouseType: 'NOT_ENOUGH_SPACE', failedAtMs: 1_000_000 },
    ]);
  });

  it('ignores failures caused by the content of one batch', async () => {
    const { health } = setup();
    health.record('predictions', badBatch());
    health.record('feedback', new Error('a bug, not the store'));
    expect(await health.check()).toEqual({ ready: true });
  });

  it('recovers at the next successful insert into the failing table, not into another', async () => {
    const { health } = setup();
    health.record('predictions', diskFull());
    health.record('otel_traces');
    expect((await health.check()).ready).toBe(false);
    health.record('predictions');
    expect(await health.check()).toEqual({ ready: true });
  });

  it('probes only once inserts have been quiet for quietMs, and recovers when the probe stores its row', async () => {
    const { health, probes, advance, settle } = setup(5000);
    health.record('predictions', diskFull());
    advance(4999);
    expect((await health.check()).ready).toBe(false);
    expect(probes).toHaveLength(0); // traffic may still be arriving: its inserts are the evidence
    advance(1);
    const check = health.check();
    await settle();
    expect(probes).toHaveLength(1);
    probes[0]!.resolve();
    expect(await check).toEqual({ ready: true });
  });

  it('stays not ready when the probe fails, says so, and probes at most once per quietMs', async () => {
    const { health, probes, advance, settle } = setup(5000);
    health.record('predictions', diskFull());
    advance(5000);
    const first = health.check();
    const concurrent = health.check();
    await settle();
    expect(probes).toHaveLength(1); // concurrent checks share one probe
    probes[0]!.reject(new StoreError('insert into inferlens_readiness_probe failed: No space left on device', undefined));
    for (const r of [await first, await concurrent]) {
      expect(r.ready).toBe(false);
      expect(!r.ready && r.reason).toMatch(/predictions failed: .*; the last write probe failed too: insert into inferlens_readiness_probe failed: No space left/);
    }
    advance(4999);
    expect((await health.check()).ready).toBe(false);
    expect(probes).toHaveLength(1);
    advance(1);
    const later = health.check();
    await settle();
    expect(probes).toHaveLength(2);
    probes[1]!.resolve();
    expect(await later).toEqual({ ready: true });
  });

  it('keeps a failure recorded while the probe ran: it is newer than the probe', async () => {
    const { health, probes, advance, settle } = setup(5000);
    health.record('predictions', diskFull());
    health.record('feedback', diskFull());
    advance(6000);
    const check = health.check();
    await settle();
    health.record('feedback', diskFull());
    probes[0]!.resolve();
    const r = await check;
    expect(r.ready).toBe(false);
    expect(!r.ready && r.failing.map((f) => f.table)).toEqual(['feedback']);
    expect(!r.ready && r.reason).toMatch(/the last write probe succeeded, but an insert failed after it$/);
  });
});
