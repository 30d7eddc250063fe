import { Agent } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { BodyTemplate, FULL, pause, postBody, report, round, storedByRequest, SCENARIO_TIMEOUT_MS } from './lib.js';

// SIGKILL under load: clients post predictions while the collector is killed (SIGKILL, no
// shutdown) and restarted on the same data directory, round after round. Half the clients retry
// a request whose answer they did not get (as the SDK and the OpenTelemetry exporters do); the
// other half give it up (as the first trial did), which shows requests stored but never
// acknowledged. Once the collector is stopped, its data directory is read with chDB: every
// acknowledged request stored whole, nothing stored twice. Waits are on answers and exits.

const ROUNDS = FULL ? 10 : 3;
const CLIENTS = FULL ? 4 : 2;
const BODY_BYTES = FULL ? 512 * 1024 : 128 * 1024;
/** Acknowledged requests between two kills. */
const PER_ROUND = FULL ? 40 : 10;

const dataDir = tempDataDir('inferlens-chaos-sigkill-');
let collector: CollectorProcess | undefined;

afterAll(async () => {
  await collector?.stop();
  removeDir(dataDir);
});

describe('chaos: SIGKILL under load', () => {
  it(`${ROUNDS} kills under ${CLIENTS * 2} clients: nothing acknowledged lost, retries stored once`, async () => {
    collector = await startCollector({ dataDir });
    const template = new BodyTemplate(BODY_BYTES);
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });
    const acknowledged = new Set<string>();
    const givenUp = new Set<string>();
    const retried = new Set<string>();
    let cut = 0;
    let stop = false;

    const client = async (id: number, retries: boolean) => {
      for (let seq = 0; !stop; seq++) {
        const prefix = BodyTemplate.prefix(id, seq);
        for (let attempt = 0; ; attempt++) {
          const url = collector?.url;
          const a = url ? await postBody(`${url}/v1/predictions`, template, prefix, agent, 30_000) : { status: 0, ms: 0 };
          if (a.status === 200) {
            acknowledged.add(prefix);
            break;
          }
          if (a.status === 0 && url) cut++;
          // A refusal (503 while shutting down or saturated) stores nothing; an attempt without an answer may have.
          if (!retries && a.status === 0 && url) {
            givenUp.add(prefix);
            break;
          }
          if (attempt > 0 || a.status === 0) retried.add(prefix);
          if (attempt > 600) throw new Error(`${prefix}: no answer after ${attempt} attempts`);
          await pause(100);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS * 2 }, (_, i) => client(i, i % 2 === 0));

    const readyMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const target = acknowledged.size + PER_ROUND;
      const deadline = Date.now() + 120_000;
      while (acknowledged.size < target) {
        if (Date.now() > deadline) throw new Error(`round ${round}: only ${acknowledged.size} of ${target} requests acknowledged in 120 s`);
        await pause(20);
      }
      const killed = collector!;
      collector = undefined;
      expect(await killed.stop('SIGKILL')).toBe(null);
      const t0 = performance.now();
      collector = await startCollector({ dataDir });
      readyMs.push(performance.now() - t0);
    }
    stop = true;
    await Promise.all(clients);
    agent.destroy();
    expect(await collector!.stop()).toBe(0);
    collector = undefined;

    const stored = await storedByRequest(dataDir);
    const lost = [...acknowledged].filter((p) => stored.get(p)?.ids !== template.records);
    let duplicatedRows = 0;
    for (const s of stored.values()) duplicatedRows += s.rows - s.ids;
    const storedButUnacknowledged = [...givenUp].filter((p) => (stored.get(p)?.rows ?? 0) > 0).length;
    const partial = [...stored.entries()].filter(([, s]) => s.ids !== template.records).length;
    report('sigkill', {
      rounds: ROUNDS,
      clients: CLIENTS * 2,
      recordsPerRequest: template.records,
      acknowledgedRequests: acknowledged.size,
      acknowledgedRecords: acknowledged.size * template.records,
      lostAcknowledgedRecords: lost.length * template.records,
      duplicatedRows,
      attemptsCutByAKill: cut,
      retriedRequests: retried.size,
      givenUpRequests: givenUp.size,
      storedButUnacknowledged,
      partiallyStoredRequests: partial,
      timeToReadyMs: { min: Math.round(Math.min(...readyMs)), max: Math.round(Math.max(...readyMs)), mean: round(readyMs.reduce((a, b) => a + b, 0) / readyMs.length, 0) },
    });
    expect(lost).toEqual([]);
    expect(duplicatedRows).toBe(0);
    expect(partial).toBe(0);
  }, SCENARIO_TIMEOUT_MS);
});
