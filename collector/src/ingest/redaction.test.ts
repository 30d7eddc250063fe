import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';

// Collector-side redaction on the whole collector, in-process with the embedded engine: records
// of acme's fraud model sent every way a client can (NDJSON in the shape the fast path takes, a
// JSON array, an OTLP log event), with a feature to drop and others to hash; what is stored, and
// that the dropped and hashed values are nowhere in the table. Other projects and models keep
// everything.

const dir = mkdtempSync(join(tmpdir(), 'inferlens-redaction-'));
const file = join(dir, 'collector.yaml');
writeFileSync(
  file,
  `redaction:
  hashKey: test-hash-key
  rules:
    - project: acme
      model: fraud
      drop: [email]
      hash: [user_id, explanation]
`,
);
const hmac = (v: string) => `h:${createHmac('sha256', 'test-hash-key').update(v).digest('hex').slice(0, 32)}`;
const NOW = Date.now();
const EMAIL = 'ann.pii@example.com';
const EXPLANATION = 'Ann-is-risky';
let app: FastifyInstance;

const record = (id: string, project: string, model: string) => ({
  predictionId: id,
  project,
  model,
  version: 'v1',
  timestamp: NOW - 1000,
  latencyMs: 3,
  features: { email: EMAIL, user_id: 'u-1234', amount: 5 },
  outputs: { score: 0.9, explanation: EXPLANATION },
});

beforeAll(async () => {
  app = await buildApp(loadConfig({ file, env: { INFERLENS_DATA_DIR: join(dir, 'data') }, flags: {} }), { logger: false });
  await app.ready();
  const post = async (url: string, payload: string, type: string) => {
    const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });
    expect(res.statusCode, res.body).toBe(200);
  };
  await post('/v1/predictions', [record('nd-1', 'acme', 'fraud'), record('nd-2', 'other', 'fraud'), record('nd-3', 'acme', 'churn')].map((r) => JSON.stringify(r)).join('\n'), 'application/x-ndjson');
  await post('/v1/predictions', JSON.stringify([record('arr-1', 'acme', 'fraud')]), 'application/json');
  const kv = (o: Record<string, unknown>): unknown => ({
    kvlistValue: {
      values: Object.entries(o).map(([key, v]) => ({
        key,
        value: typeof v === 'object' && v !== null ? kv(v as Record<string, unknown>) : typeof v === 'number' ? { doubleValue: v } : { stringValue: String(v) },
      })),
    },
  });
  const { timestamp: _t, ...event } = record('otlp-1', 'acme', 'fraud');
  const logs = { resourceLogs: [{ resource: {}, scopeLogs: [{ logRecords: [{ timeUnixNano: String(BigInt(NOW - 1000) * 1_000_000n), eventName: 'inferlens.prediction', body: kv(event) }] }] }] };
  await post('/v1/logs', JSON.stringify(logs), 'application/json');
});

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Stored {
  PredictionId: string;
  NumericFeatures: Record<string, number>;
  CategoricalFeatures: Record<string, string>;
  NumericOutputs: Record<string, number>;
  CategoricalOutputs: Record<string, string>;
}

const stored = (ids: string[]) =>
  app.store.query<Stored>('SELECT PredictionId, NumericFeatures, CategoricalFeatures, NumericOutputs, CategoricalOutputs FROM predictions WHERE PredictionId IN {ids:Array(String)} ORDER BY PredictionId', { ids });

describe('collector-side redaction', () => {
  it("drops and hashes acme's fraud features and outputs before they are stored, by every ingestion path", async () => {
    const rows = await stored(['arr-1', 'nd-1', 'otlp-1']);
    expect(rows.map((r) => r.PredictionId)).toEqual(['arr-1', 'nd-1', 'otlp-1']);
    for (const r of rows) {
      expect(r.NumericFeatures, r.PredictionId).toEqual({ amount: 5 });
      expect(r.CategoricalFeatures, r.PredictionId).toEqual({ user_id: hmac('u-1234') });
      expect(r.NumericOutputs, r.PredictionId).toEqual({ score: 0.9 });
      expect(r.CategoricalOutputs, r.PredictionId).toEqual({ explanation: hmac(EXPLANATION) });
    }
    // Nowhere in acme's rows, whatever the column.
    const [leak] = await app.store.query<{ n: string }>(
      `SELECT count() AS n FROM predictions WHERE Project = 'acme' AND ModelName = 'fraud'
         AND (position(toString(tuple(CategoricalFeatures, CategoricalOutputs, Attributes)), {email:String}) > 0
              OR position(toString(tuple(CategoricalFeatures, CategoricalOutputs, Attributes)), {explanation:String}) > 0)`,
      { email: EMAIL, explanation: EXPLANATION },
    );
    expect(Number(leak!.n)).toBe(0);
  });

  it("redacts a reference uploaded for acme's fraud model the same way, so a hashed feature compares with its reference", async () => {
    const upload = await app.inject({
      method: 'POST',
      url: '/v1/references?project=acme&model=fraud&version=v1',
      payload: [{ features: { email: EMAIL, user_id: 'u-1234', amount: 5 }, outputs: { explanation: EXPLANATION } }].map((r) => JSON.stringify(r)).join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(upload.statusCode, upload.body).toBe(200);
    const rows = await app.store.query<Omit<Stored, 'PredictionId'>>(
      `SELECT NumericFeatures, CategoricalFeatures, NumericOutputs, CategoricalOutputs FROM reference_data WHERE Project = 'acme' AND ReferenceId = {id:String}`,
      { id: upload.json().referenceId },
    );
    expect(rows).toEqual([{ NumericFeatures: { amount: 5 }, CategoricalFeatures: { user_id: hmac('u-1234') }, NumericOutputs: {}, CategoricalOutputs: { explanation: hmac(EXPLANATION) } }]);
  });

  it('leaves other projects and other models alone', async () => {
    const rows = await stored(['nd-2', 'nd-3']);
    for (const r of rows) {
      expect(r.CategoricalFeatures, r.PredictionId).toEqual({ email: EMAIL, user_id: 'u-1234' });
      expect(r.CategoricalOutputs, r.PredictionId).toEqual({ explanation: EXPLANATION });
    }
  });
});
