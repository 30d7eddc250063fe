import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { openSocket, readAnswer } from '../helpers/raw-http.js';
import { poll } from '../helpers/example-service.js';
import { FULL, percentile, report, SCENARIO_TIMEOUT_MS } from './lib.js';

// Slow clients: connections that trickle a body a byte at a time (or never finish their headers)
// against a collector child process with a 5 s request timeout, while a normal client posts
// predictions. Figures: the normal requests' answer times without and with the trickling
// connections, and what the trickling ones were answered (408 REQUEST_TIMEOUT).

const TRICKLING = FULL ? 2000 : 300;
const NORMAL = FULL ? 200 : 60;
const dataDir = tempDataDir('inferlens-chaos-slow-');
let collector: CollectorProcess | undefined;

afterAll(async () => {
  await collector?.stop();
  removeDir(dataDir);
});

async function normalRequests(n: number, tag: string): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const body = Array.from({ length: 100 }, (_, k) => JSON.stringify({ predictionId: `${tag}-${i}-${k}`, model: 'slow', features: { x: k } })).join('\n');
    const t0 = performance.now();
    const r = await fetch(`${collector!.url}/v1/predictions`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
    await r.arrayBuffer();
    expect(r.status).toBe(200);
    ms.push(performance.now() - t0);
  }
  return ms;
}

describe('chaos: slow clients', () => {
  it(`${TRICKLING} trickling connections: each answered 408, normal requests still served`, async () => {
    const running = await startCollector({ dataDir, env: { INFERLENS_REQUEST_TIMEOUT_MS: '5000', INFERLENS_HEADERS_TIMEOUT_MS: '5000' } });
    collector = running;
    const quiet = await normalRequests(NORMAL, 'quiet');

    const sockets: Socket[] = [];
    for (let i = 0; i < TRICKLING; i++) sockets.push(await openSocket(running.port));
    let t0 = performance.now();
    const answeredAt: number[] = [];
    const answers = sockets.map((s) =>
      readAnswer(s).then(
        (a) => (answeredAt.push(performance.now() - t0), String(a.status)),
        () => 'closed without answer',
      ),
    );
    const ticker = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write('x');
    }, 1000);
    // Half trickle a small body (a byte a second), half never finish their headers. (A client
    // that declares a large body holds that many bytes of limits.maxBytesInFlight until it is cut
    // off: see docs/reliability.md.)
    t0 = performance.now();
    sockets.forEach((s, i) => s.write(i % 2 === 0 ? 'POST /v1/predictions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n' : 'POST /v1/predictions HTTP/1.1\r\nX-Slow: '));
    const busy = await normalRequests(NORMAL, 'busy');
    const outcomes: Record<string, number> = {};
    for (const a of await Promise.all(answers)) outcomes[a] = (outcomes[a] ?? 0) + 1;
    clearInterval(ticker);
    for (const s of sockets) s.destroy();
    // The collector sees the sockets close a moment later: every reservation is released by then.
    const bytesInFlight = async () => Number(/^inferlens_bytes_in_flight (\S+)/m.exec(await (await fetch(`${running.url}/metrics`)).text())?.[1]);
    const inFlight = await poll('bytes in flight back to 0', bytesInFlight, (v) => v === 0, 10_000).catch(() => bytesInFlight());

    report('slow-clients', {
      trickling: TRICKLING,
      requestTimeoutMs: 5000,
      tricklingAnswers: outcomes,
      tricklingAnsweredAfterMs: { first: Math.round(Math.min(...answeredAt)), last: Math.round(Math.max(...answeredAt)) },
      normalRequests: NORMAL,
      normalWithoutMs: { p50: Math.round(percentile(quiet, 50)), p99: Math.round(percentile(quiet, 99)) },
      normalWithMs: { p50: Math.round(percentile(busy, 50)), p99: Math.round(percentile(busy, 99)) },
      bytesInFlightAfter: inFlight,
    });
    expect(outcomes).toEqual({ '408': TRICKLING });
    expect(inFlight).toBe(0);
  }, SCENARIO_TIMEOUT_MS);
});
