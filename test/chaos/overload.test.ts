import { Agent } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { BodyTemplate, FULL, memoryOf, pause, percentile, postBody, report, round, storedByRequest, type Answer, SCENARIO_TIMEOUT_MS } from './lib.js';

// Overload: many clients posting large bodies at once against a collector child process with its
// defaults. First a baseline of 6 clients, then the crowd; every client retries a refused body
// after Retry-After, as the SDK and the OpenTelemetry exporters do. Figures: status codes, the
// collector's peak RSS, the longest answer, acknowledged throughput; then, the collector stopped,
// every acknowledged record is counted in its data directory.
// Full size (pnpm chaos): 128 clients of 8 MiB bodies, the targets. CI: 16 clients of 1 MiB.

const BODY_BYTES = (FULL ? 8 : 1) * 1024 * 1024;
const CROWD = FULL ? 128 : 16;
const BASELINE_MS = FULL ? 30_000 : 8_000;
const CROWD_MS = FULL ? 60_000 : 12_000;

const dataDir = tempDataDir('inferlens-chaos-overload-');
let collector: CollectorProcess | undefined;

afterAll(async () => {
  await collector?.stop();
  removeDir(dataDir);
});

interface Phase {
  clients: number;
  seconds: number;
  answers: Answer[];
  acknowledged: string[];
  sent: Set<string>;
}

/** `clients` clients posting for `ms`: each sends a body, and retries it after Retry-After until it is acknowledged or the phase ends. */
async function load(url: string, template: BodyTemplate, clients: number, ms: number, firstClient: number): Promise<Phase> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const answers: Answer[] = [];
  const acknowledged: string[] = [];
  const sent = new Set<string>();
  const end = Date.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const client = firstClient + i;
      for (let seq = 0; Date.now() < end; seq++) {
        const prefix = BodyTemplate.prefix(client, seq);
        for (;;) {
          sent.add(prefix);
          const a = await postBody(`${url}/v1/predictions`, template, prefix, agent);
          answers.push(a);
          if (a.status === 200) {
            acknowledged.push(prefix);
            break;
          }
          if (Date.now() >= end) break;
          // Not past the phase's end: a client asked to come back after it would not send again in this phase.
          await pause(Math.min((a.retryAfter ?? 1) * 1000, end - Date.now()));
        }
      }
    }),
  );
  agent.destroy();
  return { clients, seconds: (performance.now() - started) / 1000, answers, acknowledged, sent };
}

function figures(p: Phase, records: number) {
  const statuses: Record<string, number> = {};
  for (const a of p.answers) statuses[a.error ?? String(a.status)] = (statuses[a.error ?? String(a.status)] ?? 0) + 1;
  const ms = p.answers.map((a) => a.ms);
  const longestAnswerMsByStatus: Record<string, number> = {};
  for (const a of p.answers) {
    const key = a.error ?? String(a.status);
    longestAnswerMsByStatus[key] = Math.max(longestAnswerMsByStatus[key] ?? 0, Math.round(a.ms));
  }
  return {
    clients: p.clients,
    seconds: round(p.seconds),
    statuses,
    longestAnswerMs: Math.round(Math.max(...ms)),
    p99AnswerMs: Math.round(percentile(ms, 99)),
    longestAnswerMsByStatus,
    acknowledgedRecordsPerSecond: Math.round((p.acknowledged.length * records) / p.seconds),
  };
}

describe('chaos: overload', () => {
  it(`${CROWD} clients of ${BODY_BYTES / 1024 / 1024} MiB bodies: bounded memory and answers, nothing acknowledged lost`, async () => {
    collector = await startCollector({ dataDir });
    const template = new BodyTemplate(BODY_BYTES);
    const baseline = await load(collector.url, template, 6, BASELINE_MS, 0);
    const crowd = await load(collector.url, template, CROWD, CROWD_MS, 100);
    const memory = memoryOf(collector.child.pid!);
    expect(await collector.stop()).toBe(0);
    collector = undefined;

    const stored = await storedByRequest(dataDir);
    const acknowledged = [...baseline.acknowledged, ...crowd.acknowledged];
    const lost = acknowledged.filter((p) => (stored.get(p)?.ids ?? 0) !== template.records).length;
    let duplicated = 0;
    for (const s of stored.values()) duplicated += s.rows - s.ids;
    const b = figures(baseline, template.records);
    const c = figures(crowd, template.records);
    const result = {
      bodyMiB: round(BODY_BYTES / 1024 / 1024, 2),
      recordsPerBody: template.records,
      baseline: b,
      crowd: c,
      throughputRatio: round(c.acknowledgedRecordsPerSecond / b.acknowledgedRecordsPerSecond, 2),
      peakRssMiB: Math.round(memory.peakMiB),
      acknowledgedRequests: acknowledged.length,
      lostAcknowledgedRequests: lost,
      duplicatedRows: duplicated,
    };
    report('overload', result);
    // What must hold at any size: nothing acknowledged lost, nothing stored twice, only 200 and 503 answers.
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(Object.keys(c.statuses).filter((s) => s !== '200' && s !== '503')).toEqual([]);
    expect(Object.keys(b.statuses).filter((s) => s !== '200' && s !== '503')).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
