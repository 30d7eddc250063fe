// A 60 s collector outage under steady load: examples/fastify-service (the SDK with its default
// bounds) and a real collector, both child processes. The service never notices; the records of
// the outage wait in the bounded queue and are retried until the collector is back; what the
// bound pushed out is counted dropped and reported; every other record arrives exactly once.
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir } from '../helpers/collector-process.js';
import { getJson, p99, poll, predict, startService, type Counts } from '../helpers/example-service.js';

type AnyJson = Record<string, any>;

/** The outage's length (the scenario: 60 s); shorten it locally with SDK_OUTAGE_SECONDS. */
const OUTAGE_MS = Number(process.env.SDK_OUTAGE_SECONDS ?? 60) * 1000;
/** The SDK's default queue bound (`maxQueueSize`). */
const MAX_QUEUE = 2048;

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('a collector outage under steady load', () => {
  it('keeps the service unaffected, retries until the collector is back, drops only what the bound pushed out (reported), and delivers every other record exactly once', { timeout: OUTAGE_MS + 120_000 }, async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    let collector = await startCollector({ dataDir });
    cleanup.push(() => collector.stop());
    const port = collector.port;
    // Every SDK default (queue 2048 records, backoff 1 s doubling to 5 s), except no HTTP timeout surprises: none set.
    const service = await startService({ INFERLENS_ENDPOINT: collector.url });
    cleanup.push(() => service.stop());
    const stats = async () => (await getJson(`${service.url}/stats`)).body as Counts;

    // Steady load: 2 paced clients, about 80 requests/s. Each answer's prediction id, in answer order.
    type Phase = 'before' | 'outage' | 'after';
    let phase: Phase = 'before';
    const answers: { phase: Phase; status: number; ms: number; id: string }[] = [];
    let running = true;
    let n = 0;
    const client = async () => {
      while (running) {
        const at = phase;
        const r = await predict(service.url, n++).catch(() => ({ status: 0, ms: NaN, body: {} as AnyJson }));
        answers.push({ phase: at, status: r.status, ms: r.ms, id: String(r.body.predictionId ?? '') });
        await new Promise((res) => setTimeout(res, 20)); // pacing, not synchronisation
      }
    };
    const load = Promise.all([client(), client()]);
    cleanup.push(async () => {
      running = false;
      await load;
    });

    await poll('first exports', stats, (s) => s.exported >= 50, 15_000);

    // The outage: the collector stops cleanly (it answers what it received), the load goes on.
    phase = 'outage';
    expect(await collector.stop('SIGTERM')).toBe(0);
    const outageEnds = Date.now() + OUTAGE_MS;
    let maxQueued = 0;
    while (Date.now() < outageEnds) {
      const s = await stats();
      maxQueued = Math.max(maxQueued, s.queued);
      expect(s.queued).toBeLessThanOrEqual(MAX_QUEUE); // the bound holds throughout
      expect(s.failed).toBe(0); // nothing refused, however long it lasts
      await new Promise((r) => setTimeout(r, 1000)); // sampling once a second over the outage
    }
    const duringOutage = await stats();
    expect(maxQueued).toBe(MAX_QUEUE);
    expect(duringOutage.dropped).toBeGreaterThan(0);

    // Back on the same data directory and port; the queue drains by itself.
    collector = await startCollector({ dataDir, args: ['--port', String(port)] });
    expect(collector.port).toBe(port);
    const atRestart = await stats();
    await poll('exports resume', stats, (s) => s.exported > atRestart.exported, 15_000);
    phase = 'after';
    await new Promise((r) => setTimeout(r, 2000)); // a little traffic after the recovery
    running = false;
    await load;
    const final = await poll('queue drained', stats, (s) => s.queued === 0, 20_000);

    // The service never noticed.
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const produced = answers.length;
    const outage = answers.filter((a) => a.phase === 'outage');
    expect(outage.length).toBeGreaterThan(MAX_QUEUE + 600); // the outage produced beyond the bound
    const before = answers.filter((a) => a.phase === 'before').map((a) => a.ms);
    console.log(`requests ${produced} (outage ${outage.length}); p99 before ${p99(before).toFixed(1)} ms, outage ${p99(outage.map((a) => a.ms)).toFixed(1)} ms; final ${JSON.stringify(final)}`);
    expect(p99(outage.map((a) => a.ms))).toBeLessThan(Math.max(5 * p99(before), p99(before) + 100));

    // Exact accounting: every record is exported or dropped, none failed, none left.
    expect(final).toMatchObject({ failed: 0, queued: 0 });
    expect(final.exported + final.dropped + final.failed + final.queued).toBe(produced);

    // Stored: exactly the exported records, each once, all of them ones the service produced.
    const { body } = await getJson(`${collector.url}/api/v1/predictions?project=examples&model=fraud&limit=10000`);
    const stored = (body.predictions as AnyJson[]).map((p) => p.predictionId as string);
    expect(stored.length).toBeLessThan(10_000);
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.length).toBe(final.exported);
    const storedSet = new Set(stored);
    const ids = answers.map((a) => a.id);
    expect(stored.every((id) => ids.includes(id))).toBe(true);
    // What is missing is what the bound pushed out: the oldest records of the outage, never the newest.
    const missing = ids.map((id, i) => (storedSet.has(id) ? -1 : i)).filter((i) => i >= 0);
    expect(missing.length).toBe(final.dropped);
    const lastMissing = Math.max(...missing);
    expect(answers[lastMissing].phase).not.toBe('after');
    const newestOfOutage = outage.slice(-MAX_QUEUE + 600).map((a) => a.id);
    expect(newestOfOutage.filter((id) => !storedSet.has(id))).toEqual([]);
    expect(answers.filter((a) => a.phase === 'after' && !storedSet.has(a.id))).toEqual([]);

    // Visible: loss reports (onDataLoss, at most one per 10 s) that add up to the dropped count, and diag warnings.
    const reports = await poll(
      'loss reports add up',
      async () => service.lines.filter((l) => l.msg === 'records lost' && l.queue === 'predictions'),
      (r) => r.reduce((sum, l) => sum + (l.dropped as number), 0) === final.dropped,
      15_000,
    );
    expect(reports.length).toBeLessThanOrEqual(Math.ceil((Date.now() - (outageEnds - OUTAGE_MS)) / 10_000) + 1);
    expect(reports.every((l) => l.failed === 0 && l.byReason.queueFull === l.dropped)).toBe(true);
    expect(reports[0].lastError).toMatch(/request failed/);
    const stderr = service.output.join('\n');
    expect(stderr).toContain('@inferlens/sdk: cannot deliver prediction records');
    expect(stderr).toMatch(/@inferlens\/sdk: lost \d+ prediction records: \d+ dropped because the queue was full, the collector unreachable or busy for \d+ s/);
  });
});
