import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickHouseForTests, type ClickHouseTestServer } from '../helpers/clickhouse-server.js';
import { NO_IDLE_CLOSE_SECONDS, recentStart } from '../helpers/clock.js';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { postAccepted, postNdjson } from '../helpers/ndjson.js';
import { rng } from '../helpers/random.js';

// Collector roles on one server-mode store (the test ClickHouse server, or
// INFERLENS_TEST_CLICKHOUSE_URL): an ingest collector takes the traffic, two jobs collectors
// share the jobs lease — one runs the jobs, the other stands by until the first is gone
// (killed: after the lease expires; stopped: at once, as it releases the lease).

type Jobs = { jobs: Array<{ job: string }>; lease: { holderId: string; holder: boolean; current: { holder: string } | null } | null };

let clickhouse: ClickHouseTestServer;
const database = `inferlens_roles_${process.pid}`;
const dirs: string[] = [];
const collectors: CollectorProcess[] = [];
let env: Record<string, string>;

async function start(role: string): Promise<CollectorProcess> {
  const dir = tempDataDir();
  dirs.push(dir);
  const c = await startCollector({ dataDir: dir, env: { ...env, INFERLENS_ROLE: role } });
  collectors.push(c);
  return c;
}

const jobsOf = async (c: CollectorProcess): Promise<Jobs> => (await fetch(`${c.url}/api/v1/jobs`)).json() as Promise<Jobs>;

/** Polls until `c` holds the jobs lease (deadline `ms`). */
async function waitForHolder(c: CollectorProcess, ms: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await jobsOf(c)).lease?.holder) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`no jobs lease after ${ms} ms:\n${c.output.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const windowsClosed = (c: CollectorProcess) => c.output.filter((l) => l.includes('drift window closed')).length;

beforeAll(async () => {
  clickhouse = await clickHouseForTests();
  env = {
    INFERLENS_CLICKHOUSE_URL: clickhouse.url,
    INFERLENS_CLICKHOUSE_DATABASE: database,
    INFERLENS_JOBS_LEASE_TTL_SECONDS: '3',
    INFERLENS_DRIFT_WINDOW_SECONDS: '60',
    INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1',
    INFERLENS_DRIFT_INTERVAL_MS: '200',
    INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: NO_IDLE_CLOSE_SECONDS,
  };
});

afterAll(async () => {
  for (const c of collectors) await c.stop('SIGKILL');
  const { createClient } = await import('@clickhouse/client');
  const sql = createClient({ url: clickhouse.url });
  await sql.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  await sql.close();
  await clickhouse?.stop();
  for (const d of dirs) removeDir(d);
});

describe('roles: ingest and jobs collectors on one server store', () => {
  it('ingests on the ingest collector, runs the jobs in one jobs collector only, and hands the jobs over when it is gone', async () => {
    const first = await start('jobs');
    const second = await start('jobs');
    const ingest = await start('ingest');

    // The first holds the lease; the second stands by and says who runs the jobs.
    const a = await jobsOf(first);
    expect(a.lease).toMatchObject({ holder: true });
    const b = await jobsOf(second);
    expect(b.lease).toMatchObject({ holder: false, current: { holder: a.lease!.holderId } });
    const refused = await fetch(`${second.url}/api/v1/jobs/drift/run`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: 'JOBS_STANDBY', message: expect.stringContaining(a.lease!.holderId) });
    // Roles: no jobs on the ingest collector, no receivers on the jobs collectors.
    expect((await fetch(`${ingest.url}/api/v1/jobs`)).status).toBe(404);
    expect((await postNdjson(`${first.url}/v1/predictions`, [{ model: 'm' }])).status).toBe(404);

    // Traffic through the ingest collector: three windows, a reference like the first two.
    const T0 = recentStart(60_000);
    const r = rng(5);
    const features = (w: number) => ({ a: r.normal(w === 2 ? 3 : 0, 1) });
    expect((await postNdjson(`${ingest.url}/v1/references?model=roles&version=v1`, Array.from({ length: 500 }, () => ({ features: features(0) })))).status).toBe(200);
    const traffic = [0, 1, 2].flatMap((w) => Array.from({ length: 200 }, (_, i) => ({ predictionId: `r-${w}-${i}`, model: 'roles', version: 'v1', timestamp: T0 + w * 60_000 + i * 100, features: features(w) })));
    await postAccepted(`${ingest.url}/v1/predictions`, [...traffic, { predictionId: 'r-push', model: 'roles', version: 'v1', timestamp: T0 + 3 * 60_000 + 5_000 }]);
    // The holder's drift job (every 200 ms) closes the three windows; the standby runs nothing.
    const deadline = Date.now() + 30_000;
    while (windowsClosed(first) < 3) {
      if (Date.now() > deadline) throw new Error(`the holder closed ${windowsClosed(first)} of 3 windows in 30 s`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const results = (await (await fetch(`${ingest.url}/api/v1/drift?model=roles&version=v1`)).json()) as { results: Array<{ source: string; feature: string; drifted: boolean; windowStart: string }> };
    expect(results.results.filter((x) => x.drifted && x.source === 'feature').map((x) => (Date.parse(x.windowStart) - T0) / 60_000)).toEqual([2]);
    expect(windowsClosed(second)).toBe(0);

    // The holder is killed: the standby takes the lease once it expires (3 s), and runs the jobs.
    first.child.kill('SIGKILL');
    await waitForHolder(second, 30_000);
    expect((await fetch(`${second.url}/api/v1/jobs/drift/run`, { method: 'POST' })).status).toBe(200);

    // A new jobs collector stands by; the holder stops cleanly and releases the lease: it takes over.
    const third = await start('jobs');
    expect((await jobsOf(third)).lease).toMatchObject({ holder: false, current: { holder: (await jobsOf(second)).lease!.holderId } });
    expect(await second.stop()).toBe(0);
    await waitForHolder(third, 30_000);
    // Nothing was computed twice: the windows the first closed stayed closed (their checkpoints) for the second.
    expect(windowsClosed(second)).toBe(0);
  });
});
