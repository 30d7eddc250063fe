import { Agent } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { BodyTemplate, FULL, pause, postBody, queryDataDir, report, round, storedByRequest, SCENARIO_TIMEOUT_MS } from './lib.js';

// SIGKILL under load: clients post predictions while the collector is killed (SIGKILL, no
// shutdown) and restarted on the same data directory, round after round. Half the clients retry
// a request whose answer they did not get (as the SDK and the OpenTelemetry exporters do); the
// other half give it up (as the first trial did), which shows requests stored but never
// acknowledged. Beside them one client posts OTLP/JSON log records (which have no id: a retry is
// found by its request key and each record's number in it), every tenth without a time (stored at
// its receive time), and retries. Once the collector is stopped, its data directory is read with
// chDB: every acknowledged request stored whole, nothing stored twice. Waits are on answers and exits.

const ROUNDS = FULL ? 10 : 3;
const CLIENTS = FULL ? 4 : 2;
const BODY_BYTES = FULL ? 512 * 1024 : 128 * 1024;
/** Acknowledged requests between two kills. */
const PER_ROUND = FULL ? 40 : 10;

/** Log records per OTLP logs request; each one's body starts with its request's prefix. */
const LOG_RECORDS = FULL ? 1000 : 300;

/** An OTLP/JSON logs request of `LOG_RECORDS` records whose bodies start with `prefix`; every tenth record has no time. */
function logsBody(prefix: string, timeUnixNano: string): string {
  const logRecords = Array.from({ length: LOG_RECORDS }, (_, i) => ({ ...(i % 10 === 0 ? {} : { timeUnixNano }), body: { stringValue: `${prefix} ${i}` } }));
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'chaos-logs' } }] }, scopeLogs: [{ scope: { name: 'chaos' }, logRecords }] }] });
}

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
    const logsAcknowledged = new Set<string>();
    const logsRetried = new Set<string>();
    const logsTime = String(BigInt(Date.now() - 60_000) * 1_000_000n);
    const logsClient = async () => {
      for (let seq = 0; !stop; seq++) {
        // The predictions' prefix width (11), its own letter: l000r000017.
        const prefix = `l${BodyTemplate.prefix(0, seq).slice(1)}`;
        const body = logsBody(prefix, logsTime);
        for (let attempt = 0; ; attempt++) {
          const url = collector?.url;
          const status = url
            ? await fetch(`${url}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) }).then(
                async (r) => (await r.arrayBuffer(), r.status),
                () => 0,
              )
            : 0;
          if (status === 200) {
            logsAcknowledged.add(prefix);
            break;
          }
          if (url && status === 0) logsRetried.add(prefix);
          if (attempt > 600) throw new Error(`${prefix}: no answer after ${attempt} attempts`);
          await pause(100);
        }
      }
    };
    clients.push(logsClient());

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

    // In a child process, before this one binds the data directory (storedByRequest).
    const logsStored = new Map<string, { rows: number; records: number }>();
    for (const r of await queryDataDir<{ req: string; rows: string; records: string }>(
      dataDir,
      "SELECT substring(Body, 1, 11) AS req, count() AS rows, uniqExact(Body) AS records FROM otel_logs WHERE ServiceName = 'chaos-logs' GROUP BY req",
    )) {
      logsStored.set(r.req, { rows: Number(r.rows), records: Number(r.records) });
    }
    const logsLost = [...logsAcknowledged].filter((p) => logsStored.get(p)?.records !== LOG_RECORDS);
    let logsDuplicated = 0;
    for (const l of logsStored.values()) logsDuplicated += l.rows - l.records;
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
      logs: {
        recordsPerRequest: LOG_RECORDS,
        acknowledgedRequests: logsAcknowledged.size,
        lostAcknowledgedRecords: logsLost.length * LOG_RECORDS,
        duplicatedRows: logsDuplicated,
        retriedRequests: logsRetried.size,
      },
      timeToReadyMs: { min: Math.round(Math.min(...readyMs)), max: Math.round(Math.max(...readyMs)), mean: round(readyMs.reduce((a, b) => a + b, 0) / readyMs.length, 0) },
    });
    expect(lost).toEqual([]);
    expect(duplicatedRows).toBe(0);
    expect(partial).toBe(0);
    expect(logsAcknowledged.size).toBeGreaterThan(0);
    expect(logsLost).toEqual([]);
    expect(logsDuplicated).toBe(0);
  }, SCENARIO_TIMEOUT_MS);
});
