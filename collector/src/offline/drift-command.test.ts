import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIFT_USAGE, parseDriftArgs, runDrift } from './drift-command.js';
import type { DriftReport } from './drift-report.js';

function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runDrift(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'inferlens-drift-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n');
const ref = file('ref.csv', `x,code\n${rows(200, (i) => `${i % 50},${i % 3}`)}\n`);
const same = file('same.csv', `code,x\n${rows(200, (i) => `${i % 3},${(i * 7) % 50}`)}\n`);
const shifted = file('shifted.csv', `x,code\n${rows(200, (i) => `${(i % 50) + 25},${i % 3}`)}\n`);

describe('parseDriftArgs', () => {
  it('reads every option', () => {
    expect(
      parseDriftArgs(['--reference', 'r', '--current', 'c', '--categorical', 'a, b', '--categorical', 'c', '--format', 'json',
        '--threshold', 'ks=0.01,psi=0.2', '--drift-share', '0.3', '--multivariate']),
    ).toEqual({ reference: 'r', current: 'c', categorical: new Set(['a', 'b', 'c']), format: 'json', thresholds: { ks: 0.01, psi: 0.2 }, driftShare: 0.3, multivariate: true });
    expect(parseDriftArgs(['--reference', 'r', '--current', 'c'])).toMatchObject({ multivariate: false });
    expect(parseDriftArgs(['--help'])).toBeNull();
  });
});

describe('runDrift', () => {
  it('exits 0 without drift and 1 with drift, with the method forced to categorical for --categorical', () => {
    const a = run(['--reference', ref, '--current', same, '--categorical', 'code', '--format', 'json']);
    expect(a.code).toBe(0);
    const r = JSON.parse(a.stdout) as DriftReport;
    expect(r.features.map((f) => [f.name, f.kind, f.method, f.drifted])).toEqual([
      ['x', 'numerical', 'ks', false],
      ['code', 'categorical', 'chi-square', false],
    ]);
    const b = run(['--reference', ref, '--current', shifted, '--categorical', 'code']);
    expect(b.code).toBe(1);
    expect(b.stdout).toMatch(/^x\s+numerical .* DRIFT /m);
  });

  it('applies --threshold per method', () => {
    // KS p-value is far below 0.05 for the shift; a threshold of 0 cannot be crossed.
    expect(run(['--reference', ref, '--current', shifted, '--threshold', 'ks=0']).code).toBe(0);
  });

  it('exits 2 with the usage line on usage errors', () => {
    for (const args of [[], ['--reference', ref], ['--reference', ref, '--current', same, '--format', 'xml'],
      ['--reference', ref, '--current', same, '--threshold', 'foo=1'], ['--reference', ref, '--current', same, '--drift-share', '2'],
      ['--reference', ref, '--current', same, '--bogus'], ['--reference', ref, '--current', same, '--categorical', 'nope']]) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(DRIFT_USAGE);
      expect(r.stdout).toBe('');
    }
  });

  it('exits 2 on bad input with the file and line, without the usage line', () => {
    const bad = file('bad.csv', 'x,code\n1,2\n3\n');
    const r = run(['--reference', ref, '--current', bad]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `inferlens drift: ${bad}:3: expected 2 fields as in the header, got 1.\n` });
  });
});
