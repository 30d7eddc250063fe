import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PredictionRow } from '../store/schema/predictions.js';
import { Redactor } from './Redactor.js';

const row = (project: string, model: string): PredictionRow =>
  ({
    Project: project,
    ModelName: model,
    NumericFeatures: { age: 41, user_id: 1234 },
    CategoricalFeatures: { email: 'ann@example.com', country: 'FR' },
    NumericOutputs: { score: 0.9 },
    CategoricalOutputs: { explanation: 'because Ann', label: 'yes' },
  }) as unknown as PredictionRow;

const rules = [
  { project: 'acme', model: 'fraud', drop: ['email', 'explanation'], hash: ['user_id'] },
  { project: '*', model: 'fraud', drop: [], hash: ['country'] },
  { project: 'acme', model: '*', drop: ['age'], hash: ['email'] },
];

describe('Redactor', () => {
  it('drops and hashes what every matching rule names; a name both dropped and hashed is dropped', () => {
    const r = new Redactor({ hashKey: 'k', rules });
    const hmac = (v: string) => `h:${createHmac('sha256', 'k').update(v).digest('hex').slice(0, 32)}`;
    const out = r.redact(row('acme', 'fraud'));
    expect(out.NumericFeatures).toEqual({});
    // A hashed number becomes a category.
    expect(out.CategoricalFeatures).toEqual({ user_id: hmac('1234'), country: hmac('FR') });
    expect(out.NumericOutputs).toEqual({ score: 0.9 });
    expect(out.CategoricalOutputs).toEqual({ label: 'yes' });
    expect(JSON.stringify(out)).not.toMatch(/ann@example|Ann|1234/);
  });

  it('applies to the project and model a rule names, or any with *, and leaves the given row alone', () => {
    const r = new Redactor({ hashKey: '', rules });
    const sha = (v: string) => `h:${createHash('sha256').update(v).digest('hex').slice(0, 32)}`;
    const given = row('other', 'fraud');
    expect(r.redact(given).CategoricalFeatures).toEqual({ email: 'ann@example.com', country: sha('FR') });
    expect(given.CategoricalFeatures.country).toBe('FR');
    expect(r.applies('other', 'churn')).toBe(false);
    expect(r.redact(row('other', 'churn'))).toEqual(row('other', 'churn'));
    expect(r.applies('acme', 'churn')).toBe(true);
    expect(r.redact(row('acme', 'churn')).NumericFeatures).toEqual({ user_id: 1234 });
  });

  it('is inactive without rules', () => {
    const r = new Redactor({ hashKey: '', rules: [] });
    expect(r.active).toBe(false);
    expect(r.applies('acme', 'fraud')).toBe(false);
  });
});
