import { validateFeedback, validatePrediction, type NormalizedFeedback, type NormalizedPrediction } from '@inferlens/semconv';
import { describe, expect, it } from 'vitest';
import { feedbackToRow, predictionToRow } from './to-rows.js';

const receivedAt = 1_700_000_100_000_000_001n;

function prediction(value: unknown): NormalizedPrediction {
  const result = validatePrediction(value);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

function feedback(value: unknown): NormalizedFeedback {
  const result = validateFeedback(value);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

describe('predictionToRow', () => {
  it('maps every field to its column', () => {
    const record = prediction({
      predictionId: 'p-1',
      model: 'churn',
      version: 'v3',
      timestamp: '2023-11-14T22:13:20.123456789Z',
      project: 'shop',
      service: 'checkout',
      environment: 'production',
      segment: 'gold',
      latencyMs: 12.5,
      status: 'error',
      errorType: 'TimeoutError',
      features: { age: 41, plan: 'pro' },
      outputs: { score: 0.82, label: 'churn' },
      embedding: [0.25, -1, 3.5],
      inputTokens: 120,
      outputTokens: 30,
      sampleRate: 0.5,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      attributes: { region: 'eu' },
    });
    expect(predictionToRow(record, receivedAt)).toEqual({
      Timestamp: '1700000000.123456789',
      PredictionId: 'p-1',
      TraceId: '0af7651916cd43dd8448eb211c80319c',
      SpanId: 'b7ad6b7169203331',
      Project: 'shop',
      ServiceName: 'checkout',
      ModelName: 'churn',
      ModelVersion: 'v3',
      Environment: 'production',
      Segment: 'gold',
      LatencyMs: 12.5,
      Status: 'error',
      ErrorType: 'TimeoutError',
      NumericFeatures: { age: 41 },
      CategoricalFeatures: { plan: 'pro' },
      NumericOutputs: { score: 0.82 },
      CategoricalOutputs: { label: 'churn' },
      InputTokens: 120,
      OutputTokens: 30,
      SampleRate: 0.5,
      Attributes: { region: 'eu' },
      Embedding: [0.25, -1, 3.5],
      // The request's key comes later (the batcher or the transcoder writes it).
      IngestKey: '',
    });
  });

  it('uses the receive time when the record has no timestamp', () => {
    const row = predictionToRow(prediction({ predictionId: 'p', model: 'm' }), receivedAt);
    expect(row.Timestamp).toBe('1700000100.000000001');
    expect(row.Project).toBe('default');
    expect(row.Status).toBe('ok');
  });

  it('keeps epoch-millisecond timestamps exact', () => {
    const row = predictionToRow(prediction({ predictionId: 'p', model: 'm', timestamp: 1_700_000_000_007 }), receivedAt);
    expect(row.Timestamp).toBe('1700000000.007000000');
  });
});

describe('feedbackToRow', () => {
  it('maps a categorical truth to Label with a null Value', () => {
    const record = feedback({
      predictionId: 'p-1',
      label: 'churned',
      timestamp: '2023-11-14T22:13:20Z',
      project: 'shop',
      model: 'churn',
      version: 'v3',
      attributes: { source: 'crm' },
    });
    expect(feedbackToRow(record, receivedAt)).toEqual({
      Timestamp: '1700000000.000000000',
      PredictionId: 'p-1',
      Project: 'shop',
      ModelName: 'churn',
      ModelVersion: 'v3',
      Label: 'churned',
      Value: null,
      Attributes: { source: 'crm' },
    });
  });

  it('maps a numeric truth to Value with an empty Label, and defaults the time', () => {
    expect(feedbackToRow(feedback({ predictionId: 'p-2', value: 0 }), receivedAt)).toEqual({
      Timestamp: '1700000100.000000001',
      PredictionId: 'p-2',
      Project: 'default',
      ModelName: '',
      ModelVersion: '',
      Label: '',
      Value: 0,
      Attributes: {},
    });
  });
});
