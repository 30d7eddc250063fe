import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturePredictionIds, createMonitor, type Monitor } from '@inferlens/sdk';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

type AnyJson = Record<string, any>;

/** Polls a read-API URL until `accept` says yes, or fails after the deadline. */
async function pollJson(url: string, accept: (body: AnyJson, status: number) => boolean, timeoutMs = 15_000): Promise<AnyJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(url);
    const body = (await r.json()) as AnyJson;
    if (accept(body, r.status)) return body;
    if (Date.now() > deadline) throw new Error(`no match from ${url} within ${timeoutMs} ms: ${r.status} ${JSON.stringify(body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('SDK against a real collector', () => {
  let collector: CollectorProcess;
  let dataDir: string;
  let monitor: Monitor;

  beforeAll(async () => {
    dataDir = tempDataDir();
    collector = await startCollector({ dataDir });
  });

  afterAll(async () => {
    await monitor?.shutdown();
    await collector?.stop();
    removeDir(dataDir);
  });

  it('delivers the span and the prediction of an instrumented call, linked by trace id, and accepts feedback', async () => {
    // No global tracer provider in this process: the SDK starts its own and exports OTLP/protobuf to the collector.
    monitor = createMonitor({ serviceName: 'e2e-service', endpoint: collector.url, project: 'sdk-e2e', environment: 'test' });
    const predict = monitor.instrument(async (tx: { amount: number; country: string }) => ({ score: tx.amount > 100 ? 0.9 : 0.1 }), {
      model: 'fraud',
      version: 'v3',
      features: ([tx]) => ({ amount: tx.amount, country: tx.country }),
      output: (r) => ({ score: r.score }),
    });
    const { result, predictionIds } = capturePredictionIds(() => predict({ amount: 120.5, country: 'FR' }));
    expect(await result).toEqual({ score: 0.9 });
    const [predictionId] = predictionIds;
    await monitor.forceFlush();

    const { predictions } = await pollJson(
      `${collector.url}/api/v1/predictions?project=sdk-e2e&predictionId=${predictionId}`,
      (b) => b.predictions?.length === 1,
    );
    const p = predictions[0];
    expect(p).toMatchObject({
      predictionId,
      model: 'fraud',
      version: 'v3',
      service: 'e2e-service',
      environment: 'test',
      status: 'ok',
      numericFeatures: { amount: 120.5 },
      categoricalFeatures: { country: 'FR' },
      numericOutputs: { score: 0.9 },
      sampleRate: 1,
    });
    expect(p.traceId).toMatch(/^[0-9a-f]{32}$/);

    const trace = await pollJson(`${collector.url}/api/v1/traces/${p.traceId}`, (_b, status) => status === 200);
    const spans = trace.spans as AnyJson[];
    expect(spans).toHaveLength(1);
    expect(JSON.stringify(spans[0])).toContain(predictionId);
    expect(JSON.stringify(spans[0])).toContain(p.spanId);
    expect(JSON.stringify(spans[0])).toContain('predict fraud');
    // The SDK's own provider (OTLP/protobuf): kind, resource and typed attributes as stored.
    expect(spans[0]).toMatchObject({ spanId: p.spanId, name: 'predict fraud', serviceName: 'e2e-service', kind: 'Internal' });
    expect(spans[0].attributes).toMatchObject({ 'inferlens.model.name': 'fraud', 'inferlens.model.version': 'v3', 'inferlens.prediction.id': predictionId, 'inferlens.outcome': 'ok' });

    monitor.feedback(predictionId, { label: 'fraud', model: 'fraud' });
    await monitor.forceFlush();
    expect(monitor.stats()).toMatchObject({ exported: 1, dropped: 0, failed: 0, queued: 0, feedback: { exported: 1, dropped: 0, failed: 0, queued: 0 }, spans: { exported: 1, dropped: 0, failed: 0, queued: 0 } });
  });
});
