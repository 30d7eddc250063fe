import { validatePrediction, type PredictionRecord } from '@inferlens/semconv';
import { describe, expect, it } from 'vitest';
import { fixedRecordBytes, sdkRecordBytes as measure } from './record-size.js';

const sdkRecordBytes = (r: PredictionRecord) =>
  measure(r, fixedRecordBytes(r.model, r.version as string, r.project ?? null, r.service as string, r.environment ?? null, r.sampleRate as number));

const base = (): PredictionRecord => ({
  predictionId: '0b6f8b4e-3f1c-4a4e-9a47-2f1d7c9e5a10',
  model: 'fraud',
  version: 'v3',
  timestamp: performance.timeOrigin + performance.now(),
  project: 'payments',
  service: 'checkout',
  environment: null,
  segment: '',
  latencyMs: 0.123456789,
  status: 'ok',
  errorType: '',
  features: { amount: 120.5, country: 'FR', n: -3, flag: true, missing: null },
  outputs: { score: 0.91 },
  inputTokens: null,
  outputTokens: 12,
  sampleRate: 1,
  traceId: '0123456789abcdef0123456789abcdef',
  spanId: '0123456789abcdef',
  attributes: { team: 'risk', shard: 3 },
});

const exact = (r: PredictionRecord) => Buffer.byteLength(JSON.stringify(r)) + 1;

describe('sdkRecordBytes', () => {
  it('is an upper bound of the NDJSON line, exact for ASCII text and integers', () => {
    const ascii = { ...base(), timestamp: 1_712_345_678_901, latencyMs: 3, features: { amount: 120, country: 'FR "x"', flag: false }, outputs: { score: 1 } };
    expect(sdkRecordBytes(ascii)).toBe(exact(ascii));
    const cases: PredictionRecord[] = [
      base(),
      { ...base(), features: { 'clé "é"': 'naïve \\ 日本語 😀', ctl: '\u0000\n\t', lone: '\ud800' }, segment: 'ü' },
      { ...base(), project: null, errorType: 'TypeError', status: 'error', latencyMs: 1e-7, sampleRate: 0.001 },
      { ...base(), features: {}, outputs: {}, attributes: {} },
      { ...base(), embedding: [0.125, -1, 3, 1e-9, -0.3333333333333333] },
      { ...base(), embedding: [] },
    ];
    for (const r of cases) {
      const estimate = sdkRecordBytes(r);
      expect(estimate).toBeGreaterThanOrEqual(exact(r));
      expect(estimate).toBeLessThan(exact(r) * 1.2 + 40);
    }
  });

  it('never accepts a record that validatePrediction rejects', () => {
    const bad: PredictionRecord[] = [
      { ...base(), predictionId: 'x'.repeat(129) },
      { ...base(), segment: 's'.repeat(257) },
      { ...base(), errorType: 'E'.repeat(257) },
      { ...base(), features: { ['k'.repeat(257)]: 1 } },
      { ...base(), features: { '': 1 } },
      { ...base(), features: { s: 'v'.repeat(4097) } },
      { ...base(), features: Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`f${i}`, i])) },
      { ...base(), outputs: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`o${i}`, i])) },
      { ...base(), features: { x: Number.NaN } },
      { ...base(), features: { x: {} as never } },
      { ...base(), embedding: [1, Number.NaN] },
      { ...base(), embedding: Array(4097).fill(0.5) },
      { ...base(), embedding: ['1'] as never },
    ];
    for (const r of bad) {
      expect(validatePrediction(r).ok).toBe(false);
      expect(sdkRecordBytes(r)).toBeUndefined();
    }
    expect(validatePrediction(base()).ok).toBe(true);
    expect(sdkRecordBytes(base())).toBeGreaterThan(0);
  });
});
