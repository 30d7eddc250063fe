import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';

const dir = mkdtempSync(join(tmpdir(), 'inferlens-quality-config-test-'));
let count = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string) {
  const file = join(dir, `c${++count}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {} });
}

describe('quality in the YAML config', () => {
  it('fills output names from the defaults and the windows from the drift settings', () => {
    const config = load('drift: { windowSeconds: 120 }\nquality:\n  intervalMs: 500\n  models:\n    - { model: fraud, score: p_fraud, positiveClass: 1 }\n');
    expect(config.quality).toEqual({
      windowSeconds: 120, allowedLatenessSeconds: 300, intervalMs: 500, idleTimeoutSeconds: 300,
      models: [{ model: 'fraud', label: 'label', score: 'p_fraud', value: 'value', positiveClass: '1' }],
    });
  });

  it.each([
    ['quality: { models: { model: a } }', /quality\.models: expected a list of \{ model, label, score, value, positiveClass \}, got \{"model":"a"\}/],
    ['quality: { models: [ { label: x } ] }', /quality\.models\[0\]\.model: expected a non-empty string.*got undefined/],
    ['quality: { models: [ { model: a, scor: x } ] }', /quality\.models\[0\]: unknown key "scor"; known keys: model, label, score, value, positiveClass/],
    ['quality: { models: [ { model: a }, { model: a } ] }', /quality\.models\[1\]\.model: expected a model listed once, got "a" again/],
    // Was "quality.windowSeconds: expected 60 (one minute) to 86400 (one day), got 10": now names the file it came from.
    ['quality: { windowSeconds: 10 }', /quality\.windowSeconds \(from .*c\d+\.yaml\): expected an integer from 60 to 86400, got 10/],
    ['quality: { windowSecond: 600 }', /unknown key "quality.windowSecond"/],
  ])('refuses %s', (yaml, message) => {
    expect(() => load(yaml)).toThrow(ConfigError);
    expect(() => load(yaml)).toThrow(message);
  });
});
