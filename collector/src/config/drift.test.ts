import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { driftSettingsFor } from './drift.js';

const dir = mkdtempSync(join(tmpdir(), 'inferlens-drift-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `drift.models` of a config file `c.yaml` holding `models` (left out when undefined). */
function driftModels(models: unknown) {
  const file = join(dir, 'c.yaml');
  writeFileSync(file, models === undefined ? '' : stringify({ drift: { models } }));
  return loadConfig({ file }).drift.models;
}

const err = (value: unknown): string => {
  try {
    driftModels(value);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('drift.models', () => {
  it('reads methods, thresholds, shares and per-column settings', () => {
    const models = driftModels([
      { model: 'fraud', numericMethod: 'psi', thresholds: { psi: 0.2 }, driftShare: 0.3, features: { amount: { method: 'ks', threshold: 0.01 } }, outputs: { score: { threshold: 0.05 } } },
      { model: 'fraud', version: 'v3', categoricalMethod: 'jensen-shannon' },
    ]);
    expect(models[0]).toEqual({ model: 'fraud', numericMethod: 'psi', thresholds: { psi: 0.2 }, driftShare: 0.3, features: { amount: { method: 'ks', threshold: 0.01 } }, outputs: { score: { threshold: 0.05 } } });
    expect(driftSettingsFor(models, 'fraud', 'v3')!.categoricalMethod).toBe('jensen-shannon');
    expect(driftSettingsFor(models, 'fraud', 'v2')!.numericMethod).toBe('psi');
    expect(driftSettingsFor(models, 'churn', 'v1')).toBeUndefined();
    expect(driftModels(undefined)).toEqual([]);
  });

  it('names the key, the value and what is expected', () => {
    expect(err({})).toMatch(/c\.yaml: drift\.models: expected a list/);
    expect(err([{ model: 'm', numericMethod: 'chi-square' }])).toMatch(/drift\.models\[0\]\.numericMethod: expected one of ks, wasserstein, psi, jensen-shannon, hellinger, got "chi-square"/);
    expect(err([{ model: 'm', features: { age: { method: 'magic' } } }])).toMatch(/drift\.models\[0\]\.features\.age\.method: expected one of .*got "magic"/);
    expect(err([{ model: 'm', features: { age: { threshold: -1 } } }])).toMatch(/features\.age\.threshold: expected a number above 0, got -1/);
    expect(err([{ model: 'm', driftShare: 2 }])).toMatch(/driftShare: expected a number above 0 and at most 1, got 2/);
    expect(err([{ model: 'm', colour: 1 }])).toMatch(/unknown key "colour"/);
    expect(err([{ model: 'm' }, { model: 'm' }])).toMatch(/drift\.models\[1\]: model "m" is listed twice/);
    // Was "expected a model name": now also says what a model name may be.
    expect(err([{ version: 'v1' }])).toMatch(/drift\.models\[0\]\.model: expected a non-empty string of at most 256 characters, got undefined/);
  });
});
