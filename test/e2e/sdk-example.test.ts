// The example service (examples/fastify-service) as a child process against a collector child
// process: trace linking through a W3C traceparent, feedback joined by prediction id, the plain
// OpenTelemetry set-up. (The collector outage under load: sdk-outage.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, serverDatabaseFor, startCollector, tempDataDir } from '../helpers/collector-process.js';
import { getJson, poll, predict, startService, traceparent } from '../helpers/example-service.js';

type AnyJson = Record<string, any>;

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('examples/fastify-service against a real collector', () => {
  it('continues the caller\'s trace into the prediction span, links the record by trace id, and joins feedback by prediction id', async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    const collector = await startCollector({ dataDir });
    cleanup.push(() => collector.stop());
    const service = await startService({ INFERLENS_ENDPOINT: collector.url });
    cleanup.push(() => service.stop());

    // Concurrent requests, each with its own traceparent: each prediction must land in its own trace.
    const calls = Array.from({ length: 8 }, (_, i) => ({ i, tp: traceparent() }));
    const answers = await Promise.all(calls.map(({ i, tp }) => predict(service.url, i, tp)));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.predictionId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(answers.map((a) => a.body.predictionId)).size).toBe(8);

    // Ground truth for two of them, as a chargeback system would send later.
    const labelled = [answers[0].body.predictionId as string, answers[3].body.predictionId as string];
    for (const [k, predictionId] of labelled.entries()) {
      const r = await fetch(`${service.url}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ predictionId, label: k === 0 ? 'fraud' : 'legit' }),
      });
      expect(r.status).toBe(202);
    }
    const bad = await fetch(`${service.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ predictionId: 'x', label: 'maybe' }) });
    expect(bad.status).toBe(400);

    // SIGTERM: the service flushes records, feedback and spans within its shutdown deadline.
    const { code, stats } = await service.stop();
    expect(code).toBe(0);
    expect(stats).toMatchObject({ exported: 8, dropped: 0, failed: 0, queued: 0, feedback: { exported: 2, dropped: 0, failed: 0, queued: 0 } });

    for (const [n, { tp }] of calls.entries()) {
      const predictionId = answers[n].body.predictionId as string;
      const { body } = await poll(
        `prediction ${predictionId}`,
        () => getJson(`${collector.url}/api/v1/predictions?project=examples&predictionId=${predictionId}`),
        (r) => r.body.predictions?.length === 1,
      );
      const p = body.predictions[0];
      expect(p).toMatchObject({ predictionId, traceId: tp.traceId, service: 'fraud-service', model: 'fraud', version: 'v3', status: 'ok' });
      expect(p.numericOutputs.score).toBeCloseTo(answers[n].body.score, 12);
      // The e-mail left the process hashed, never in clear.
      expect(p.categoricalFeatures.email).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.stringify(p)).not.toContain('@example.com');

      const trace = await poll(`trace ${tp.traceId}`, () => getJson(`${collector.url}/api/v1/traces/${tp.traceId}`), (r) => r.status === 200);
      const spans = trace.body.spans as AnyJson[];
      expect(spans).toHaveLength(1);
      expect(spans[0]).toMatchObject({ traceId: tp.traceId, spanId: p.spanId, parentSpanId: tp.spanId, name: 'predict fraud', serviceName: 'fraud-service' });
      expect(spans[0].attributes['inferlens.prediction.id']).toBe(predictionId);
    }

    // No read endpoint for feedback: read the stored tables once the collector has let go of them.
    expect(await collector.stop()).toBe(0);
    const rows = await queryStore(dataDir, `SELECT f.PredictionId AS id, f.Label AS label, p.TraceId AS traceId FROM feedback AS f
        INNER JOIN predictions AS p ON p.PredictionId = f.PredictionId AND p.Project = f.Project
        WHERE f.Project = 'examples' ORDER BY f.Label`);
    expect(rows).toEqual([
      { id: labelled[0], label: 'fraud', traceId: calls[0].tp.traceId },
      { id: labelled[1], label: 'legit', traceId: calls[3].tp.traceId },
    ]);
  });

  it('in the plain OpenTelemetry set-up (INFERLENS_SDK=otel, the benchmark floor) exports one span per call and no prediction record', async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    const collector = await startCollector({ dataDir });
    cleanup.push(() => collector.stop());
    const service = await startService({ INFERLENS_ENDPOINT: collector.url, INFERLENS_SDK: 'otel' });
    cleanup.push(() => service.stop());

    const tp = traceparent();
    const answer = await predict(service.url, 1, tp);
    expect(answer.status).toBe(200);
    expect(answer.body.predictionId).toBe('');
    const feedback = await fetch(`${service.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ predictionId: 'x', label: 'fraud' }) });
    expect(feedback.status).toBe(501);
    // SIGTERM shuts the tracer provider down, which exports the span.
    expect((await service.stop()).code).toBe(0);

    const trace = await poll(`trace ${tp.traceId}`, () => getJson(`${collector.url}/api/v1/traces/${tp.traceId}`), (r) => r.status === 200);
    const spans = trace.body.spans as AnyJson[];
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ traceId: tp.traceId, parentSpanId: tp.spanId, name: 'predict fraud', serviceName: 'fraud-service' });
    expect(spans[0].attributes).toMatchObject({ 'inferlens.model.name': 'fraud', 'fraud.flagged': String(answer.body.fraud) });
    expect(Number(spans[0].attributes['fraud.score'])).toBeCloseTo(answer.body.score, 12);
    const stored = await getJson(`${collector.url}/api/v1/predictions?project=examples&limit=10`);
    expect(stored.body.predictions).toEqual([]);
  });
});

/** Runs a query on the stored tables: in-process chDB on the collector's data directory, or the test's ClickHouse server. */
async function queryStore(dataDir: string, query: string): Promise<AnyJson[]> {
  const { createClient } = await import('@clickhouse/client');
  const serverUrl = process.env.INFERLENS_TEST_CLICKHOUSE_URL;
  let client;
  if (serverUrl) client = createClient({ url: serverUrl, database: serverDatabaseFor(dataDir) });
  else {
    const { createChdbConnection } = await import('chdb/connection');
    client = createClient({ connection: createChdbConnection({ path: dataDir }) } as never);
  }
  try {
    const rs = await client.query({ query, format: 'JSONEachRow' });
    return (await rs.json()) as AnyJson[];
  } finally {
    await client.close();
  }
}
