import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { recentStart } from '../helpers/recent-time.js';
import { postAccepted } from '../helpers/ndjson.js';

// Four versions of one classifier over the same ten minutes (fixtures/compare, made with
// numpy/scipy): a baseline a, a healthy copy a2, b with a latency regression, c with a quality
// drop. GET /api/v1/compare must give scipy's Mann-Whitney U and p-values and the verdicts that
// tell a team to roll b and c back, and nothing on a2.

interface Version { version: string; latencyMs: number[]; error: string; truth: string; score: number[]; hasFeedback: string }
interface Expected {
  a: string;
  b: string;
  latency: { u: number; pValue: number; commonLanguageEffect: number; medianA: number; medianB: number; rows: [number, number]; verdict: string };
  errorRate: { pValue: number; errors: [number, number]; verdict: string };
  accuracy: { a: number; b: number; pValue: number; rows: [number, number]; verdict: string };
  rocAuc: { a: number; b: number; pValue: number; verdict: string };
  logLoss: { a: number; b: number; pValue: number; verdict: string };
}
interface Dim { a: number; b: number; difference: number; interval: [number, number] | null; pValue: number | null; rows: { a: number; b: number }; verdict: string }
interface Comparison {
  verdict: string;
  latency: Dim & { u: number; commonLanguageEffect: number };
  errorRate: Dim;
  quality: Record<string, Dim>;
}

const F = JSON.parse(readFileSync(new URL('../fixtures/compare/compare-traffic.json', import.meta.url), 'utf8')) as {
  t0: number; spanMs: number; rows: number; versions: Version[]; expected: Expected[];
};
// The fixture's start moved to the recent past by whole weeks, within the event-age bound.
F.t0 = recentStart(F.t0);
const step = F.spanMs / F.rows;
const id = (v: Version, i: number) => `cmp-${v.version}-${i}`;

function records(): { predictions: unknown[]; feedback: unknown[] } {
  const predictions: unknown[] = [];
  const feedback: unknown[] = [];
  for (const v of F.versions) {
    for (let i = 0; i < F.rows; i++) {
      const timestamp = F.t0 + i * step;
      const failed = v.error[i] === '1';
      const score = v.score[i]!;
      predictions.push({
        predictionId: id(v, i), model: 'cmp', version: v.version, timestamp, latencyMs: v.latencyMs[i],
        ...(failed ? { status: 'error', errorType: 'TimeoutError' } : { status: 'ok', outputs: { label: score >= 0.5 ? '1' : '0', score } }),
      });
      if (v.hasFeedback[i] === '1') feedback.push({ predictionId: id(v, i), model: 'cmp', version: v.version, timestamp: timestamp + 3_600_000, label: v.truth[i] });
    }
    // Outside the range compared: slow, failing and wrong; they must not count.
    for (const t of [F.t0 - 1, F.t0 + F.spanMs]) {
      predictions.push({ predictionId: `cmp-${v.version}-out-${t}`, model: 'cmp', version: v.version, timestamp: t, latencyMs: 1e6, status: 'error' });
    }
  }
  return { predictions, feedback };
}

const close = (actual: number | null | undefined, expected: number, rtol = 1e-9) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(rtol * Math.abs(expected) + 1e-300);
};

describe('GET /api/v1/compare', () => {
  let collector: CollectorProcess | undefined;
  let dataDir: string;
  let base: string;
  const compare = async (a: string, b: string, extra = ''): Promise<Comparison> => {
    const r = await fetch(`${base}/api/v1/compare?model=cmp&a=${a}&b=${b}&from=${F.t0}&to=${new Date(F.t0 + F.spanMs).toISOString()}${extra}`);
    expect(r.status, r.status === 200 ? '' : await r.text()).toBe(200);
    return (await r.json()) as Comparison;
  };

  beforeAll(async () => {
    dataDir = tempDataDir();
    collector = await startCollector({ dataDir });
    base = collector.url;
    const { predictions, feedback } = records();
    await postAccepted(`${base}/v1/predictions`, predictions);
    await postAccepted(`${base}/v1/feedback`, feedback);
  }, 120_000);
  afterAll(async () => {
    await collector?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it.each(F.expected.map((e) => [`${e.a} vs ${e.b}`, e] as const))('%s: scipy values and verdicts', async (_name, e) => {
    const c = await compare(e.a, e.b);
    expect([c.latency.rows.a, c.latency.rows.b]).toEqual(e.latency.rows);
    close(c.latency.u, e.latency.u, 1e-15);
    close(c.latency.pValue, e.latency.pValue, 1e-7);
    close(c.latency.commonLanguageEffect, e.latency.commonLanguageEffect);
    close(c.latency.a, e.latency.medianA);
    close(c.latency.b, e.latency.medianB);
    expect(c.latency.verdict).toBe(e.latency.verdict);
    expect([c.errorRate.a * F.rows, c.errorRate.b * F.rows].map(Math.round)).toEqual(e.errorRate.errors);
    close(c.errorRate.pValue, e.errorRate.pValue, 1e-7);
    expect(c.errorRate.verdict).toBe(e.errorRate.verdict);
    const q = c.quality;
    expect([q.accuracy!.rows.a, q.accuracy!.rows.b]).toEqual(e.accuracy.rows);
    for (const k of ['accuracy', 'rocAuc', 'logLoss'] as const) {
      close(q[k]!.a, e[k].a);
      close(q[k]!.b, e[k].b);
      close(q[k]!.pValue, e[k].pValue, 1e-6);
      expect(q[k]!.verdict, k).toBe(e[k].verdict);
      expect(q[k]!.interval![0]).toBeLessThan(q[k]!.difference);
    }
    expect(q.mae).toBeUndefined(); // no regression output on this model
  });

  it('says b is slower, c predicts worse, and a2 is no different', async () => {
    const [b, c, a2] = await Promise.all([compare('a', 'b'), compare('a', 'c'), compare('a', 'a2')]);
    expect([b.verdict, b.latency.verdict, b.quality.accuracy!.verdict, b.quality.rocAuc!.verdict]).toEqual(['worse', 'worse', 'inconclusive', 'inconclusive']);
    expect(b.latency.commonLanguageEffect).toBeGreaterThan(0.6);
    expect([c.verdict, c.latency.verdict, c.quality.accuracy!.verdict, c.quality.rocAuc!.verdict, c.quality.logLoss!.verdict]).toEqual(['worse', 'inconclusive', 'worse', 'worse', 'worse']);
    expect(a2.verdict).toBe('inconclusive');
    for (const d of [a2.latency, a2.errorRate, ...Object.values(a2.quality)]) expect(d.verdict).toBe('inconclusive');
    // Swapping the roles turns worse into better.
    const reverse = await compare('b', 'a');
    expect([reverse.verdict, reverse.latency.verdict]).toEqual(['better', 'better']);
    // A looser alpha is honoured: the interval widens or narrows with it.
    const loose = await compare('a', 'a2', '&alpha=0.5');
    expect(loose.quality.accuracy!.interval![1] - loose.quality.accuracy!.interval![0]).toBeLessThan(a2.quality.accuracy!.interval![1] - a2.quality.accuracy!.interval![0]);
  });

  it('refuses what cannot be compared with a 400 that says why', async () => {
    const same = await fetch(`${base}/api/v1/compare?model=cmp&a=a&b=a&from=${F.t0}&to=${F.t0 + F.spanMs}`);
    expect(same.status).toBe(400);
    expect(((await same.json()) as { message: string }).message).toMatch(/two different versions/);
    const missing = await fetch(`${base}/api/v1/compare?model=cmp&a=a&b=b`);
    expect(missing.status).toBe(400);
    const backwards = await fetch(`${base}/api/v1/compare?model=cmp&a=a&b=b&from=${F.t0 + 1}&to=${F.t0}`);
    expect(backwards.status).toBe(400);
    const empty = await fetch(`${base}/api/v1/compare?model=cmp&a=a&b=zz&from=${F.t0}&to=${F.t0 + F.spanMs}`);
    expect(empty.status).toBe(200);
    const body = (await empty.json()) as Comparison;
    expect([body.verdict, body.latency, body.errorRate, body.quality]).toEqual(['inconclusive', null, null, {}]);
  });
});
