import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// `/readyz` while inserts fail for real: the collector's data directory is on a 16 MiB tmpfs that
// the test fills. Mounting needs root (as `pnpm test` runs in CI); otherwise the suite is reported
// as skipped with the reason. Every wait polls an answer with a deadline.

const root = tempDataDir('inferlens-readiness-');
const mnt = join(root, 'mnt');
const filler = join(mnt, 'filler');
let mounted = false;
let skipReason = '';
let collector: CollectorProcess | undefined;

beforeAll(async () => {
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    skipReason = `cannot mount a tmpfs to fill (needs root): ${(err as Error).message.split('\n')[0]}`;
    return;
  }
  collector = await startCollector({ dataDir: join(mnt, 'data') });
});

afterAll(async () => {
  await collector?.stop();
  if (mounted) execFileSync('umount', [mnt]);
  removeDir(root);
});

async function readyz(): Promise<{ status: number; body: Record<string, any> }> {
  const r = await fetch(`${collector!.url}/readyz`);
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

/** Polls `/readyz` until `until` holds for its answer; fails with the last answer after `ms`. */
async function pollReadyz(until: (r: Awaited<ReturnType<typeof readyz>>) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await readyz();
    if (until(r)) return r;
    if (Date.now() > deadline) throw new Error(`/readyz did not change as expected within ${ms} ms; last answer ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

function postPredictions(lines: object[]) {
  return fetch(`${collector!.url}/v1/predictions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: lines.map((l) => JSON.stringify(l)).join('\n'),
  });
}

/** Fills the tmpfs with one file until the filesystem refuses another byte. */
function fillDisk(): void {
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    // Fill the last partial chunk too.
    try {
      for (;;) writeSync(fd, chunk, 0, 1);
    } catch (last) {
      if ((last as NodeJS.ErrnoException).code !== 'ENOSPC') throw last;
    }
  } finally {
    closeSync(fd);
  }
}

describe('/readyz while inserts fail', () => {
  it('stays 200 for a request whose records are invalid: content errors are not store failures', async (ctx) => {
    if (!collector) ctx.skip(skipReason);
    const r = await postPredictions([{ predictionId: 'bad', model: 7 }]);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { rejected: number }).rejected).toBe(1);
    expect((await readyz()).status).toBe(200);
  });

  it('answers 503 naming the table and the error while the disk is full, and 200 again by itself once it is not', async (ctx) => {
    if (!collector) ctx.skip(skipReason);
    const now = Date.now();
    expect((await postPredictions([{ predictionId: 'before', model: 'full-disk', timestamp: now }])).status).toBe(200);

    fillDisk();
    const refused = await postPredictions([{ predictionId: 'refused', model: 'full-disk', timestamp: now }]);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(await refused.json()).toMatchObject({ error: 'STORE_FAILED' });

    const failing = await readyz();
    expect(failing.status).toBe(503);
    expect(failing.body.status).toBe('not ready');
    expect(failing.body.reason).toMatch(/^the latest insert into predictions failed: .*(ENOSPC|space)/i);
    expect(failing.body.failingInserts).toHaveLength(1);
    expect(failing.body.failingInserts[0]).toMatchObject({ table: 'predictions', error: expect.stringMatching(/^insert into predictions failed: /) });
    expect(Date.parse(failing.body.failingInserts[0].failedAt)).toBeGreaterThanOrEqual(now);

    // No traffic from here on. Once inserts have been quiet, /readyz probes the store with a write:
    // still 503 while the disk is full, and it says the probe failed too.
    const probed = await pollReadyz((r) => /the last write probe failed too/.test(r.body.reason ?? ''));
    expect(probed.status).toBe(503);

    rmSync(filler);
    const recovered = await pollReadyz((r) => r.status === 200);
    expect(recovered.body).toMatchObject({ status: 'ready', store: 'embedded' });

    expect((await postPredictions([{ predictionId: 'after', model: 'full-disk', timestamp: Date.now() }])).status).toBe(200);
    const stored = (await (await fetch(`${collector!.url}/api/v1/predictions?model=full-disk`)).json()) as { predictions: Array<{ predictionId: string }> };
    expect(stored.predictions.map((p) => p.predictionId).sort()).toEqual(['after', 'before']);
    expect((await readyz()).status).toBe(200);
  });
});
