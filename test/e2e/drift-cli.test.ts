// `inferlens drift` as a user meets it: the built bin as a child process on the committed
// fixtures of test/fixtures/drift (made by make-fixtures.py there, with scipy's values).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../collector/dist/inferlens-cli.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/drift/', import.meta.url));
const expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8'));

function inferlens(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: FIXTURES, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const drift = (current: string, ...more: string[]) =>
  inferlens('drift', '--reference', 'ref.csv', '--current', current, '--categorical', expected.categorical.join(','), ...more);

const closeTo = (actual: number, want: number, rel: number) => expect(Math.abs(actual - want)).toBeLessThanOrEqual(rel * Math.abs(want));

describe('inferlens drift (child process)', () => {
  it('flags exactly the shifted features and exits 1; JSON lists every metric', () => {
    const r = drift('cur-drift.csv', '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.reference).toEqual({ file: 'ref.csv', rows: 2000 });
    expect(report.current).toEqual({ file: 'cur-drift.csv', rows: 1500 });
    expect(report.features.map((f: { name: string }) => f.name)).toEqual(['age', 'income', 'plan', 'region', 'city', 'score']);
    expect(report.features.filter((f: { drifted: boolean }) => f.drifted).map((f: { name: string }) => f.name)).toEqual(
      expected.drifted['cur-drift.csv'],
    );
    const num = expect.any(Number);
    for (const f of report.features) {
      expect(f).toMatchObject({ status: 'ok', threshold: expect.any(Number), score: num, drifted: expect.any(Boolean) });
      if (f.kind === 'numerical') {
        expect(f.method).toBe('wasserstein'); // reference > 1000 values
        expect(f.metrics).toEqual({ psi: num, ks: { statistic: num, pValue: num }, wasserstein: { raw: num, normalized: num }, jensenShannon: num, hellinger: num });
      } else {
        expect(f.method).toBe('jensen-shannon');
        expect(f.metrics).toEqual({
          chiSquare: { statistic: num, dof: num, pValue: num }, twoProportion: { category: expect.any(String), z: num, pValue: num },
          psi: num, jensenShannon: num, hellinger: num, unseenShare: 0, unseenCategories: [],
        });
      }
    }
    expect(report.features.map((f: { name: string; kind: string }) => [f.name, f.kind])).toEqual([
      ['age', 'numerical'], ['income', 'numerical'], ['plan', 'categorical'], ['region', 'categorical'], ['city', 'categorical'], ['score', 'numerical'],
    ]);
    // Empty income cells are missing values; the city names with commas, quotes and a line break are five categories.
    const income = report.features[1];
    expect(income.reference.missing + income.reference.count).toBe(2000);
    expect(income.reference.missing).toBeGreaterThan(0);
    expect(report.features[4].metrics.chiSquare.dof).toBe(4);
    expect(report.dataset).toEqual({ comparedCount: 6, driftedCount: 2, driftedShare: 2 / 6, driftShare: 0.5, drifted: false });
  });

  it('agrees with scipy on the metrics computed independently', () => {
    const report = JSON.parse(drift('cur-drift.csv', '--format', 'json').stdout);
    const age = report.features.find((f: { name: string }) => f.name === 'age').metrics;
    const plan = report.features.find((f: { name: string }) => f.name === 'plan').metrics;
    const s = expected.scipy;
    closeTo(age.ks.statistic, s.age.ks.statistic, 1e-12);
    closeTo(age.ks.pValue, s.age.ks.pValue, 1e-8);
    closeTo(age.wasserstein.raw, s.age.wasserstein.raw, 1e-9);
    closeTo(age.wasserstein.normalized, s.age.wasserstein.normalized, 1e-9);
    closeTo(plan.chiSquare.statistic, s.plan.chiSquare.statistic, 1e-10);
    expect(plan.chiSquare.dof).toBe(s.plan.chiSquare.dof);
    closeTo(plan.chiSquare.pValue, s.plan.chiSquare.pValue, 1e-9);
    closeTo(plan.jensenShannon, s.plan.jensenShannon, 1e-10);
  });

  it('exits 0 and flags nothing without drift; the table is aligned and readable', () => {
    const r = drift('cur-nodrift.csv');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('reference: ref.csv (2000 rows)   current: cur-nodrift.csv (1500 rows)');
    // The verdict column (`drift`, after `drift when`).
    const at = lines[2].search(/drift +other metrics/);
    const rows = lines.slice(4, 10);
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(['age', 'income', 'plan', 'region', 'city', 'score']);
    for (const l of rows) expect(l.slice(at, at + 3)).toBe('no ');
    expect(r.stdout).toContain('0 of 6 features drifted (0%); data set drift: no');
    // A distance has a statistic and no p-value.
    expect(drift('cur-drift.csv').stdout).toMatch(/^age\s+numerical\s+2000\s+1500\s+wasserstein\s+0\.4668\s+-\s+statistic >= 0\.1\s+DRIFT /m);
  });

  it('--multivariate adds the data-reconstruction comparison: NannyML\'s numbers (numpy), drift when only the correlation changed', () => {
    const fixture = JSON.parse(readFileSync(new URL('../../packages/stats/src/fixtures/multivariate.json', import.meta.url), 'utf8'));
    const c = fixture.cases.find((x: { name: string }) => x.name === 'correlation-flip');
    const dir = mkdtempSync(join(tmpdir(), 'inferlens-mv-cli-'));
    try {
      const csv = (rows: Array<Record<string, number>>) => ['x1,x2,x3,x4', ...rows.map((r) => [r.x1, r.x2, r.x3, r.x4].join(','))].join('\n') + '\n';
      writeFileSync(join(dir, 'ref.csv'), csv(c.reference));
      for (const cur of c.currents) {
        writeFileSync(join(dir, `${cur.name}.csv`), csv(cur.rows));
        const r = spawnSync(process.execPath, [BIN, 'drift', '--reference', 'ref.csv', '--current', `${cur.name}.csv`, '--multivariate', '--format', 'json'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
        expect(r.stderr).toBe('');
        const report = JSON.parse(r.stdout);
        expect(report.multivariate).toMatchObject({ method: 'pca-reconstruction', status: 'ok', drifted: cur.drifted, components: c.components, features: ['x1', 'x2', 'x3', 'x4'] });
        closeTo(report.multivariate.statistic, cur.mean, 1e-9);
        closeTo(report.multivariate.lower, c.lower, 1e-9);
        closeTo(report.multivariate.upper, c.upper, 1e-9);
        // Marginals unchanged: no feature drifts; the exit status follows the multivariate verdict.
        expect(report.features.filter((f: { drifted: boolean }) => f.drifted)).toEqual([]);
        expect(r.status).toBe(cur.drifted ? 1 : 0);
      }
      const table = spawnSync(process.execPath, [BIN, 'drift', '--reference', 'ref.csv', '--current', 'flipped.csv', '--multivariate'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(table.stdout).toMatch(/^multivariate \(PCA reconstruction, 2 components, \d+(\.\d)?% of the variance\): mean error \S+, drift outside \[\S+, \S+\]: DRIFT$/m);
      // Without the flag there is no multivariate object.
      const plain = JSON.parse(spawnSync(process.execPath, [BIN, 'drift', '--reference', 'ref.csv', '--current', 'flipped.csv', '--format', 'json'], { cwd: dir, encoding: 'utf8' }).stdout);
      expect(plain.multivariate).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on bad input, naming file, line and column', () => {
    const cases: [string, RegExp][] = [
      ['bad-type.csv', new RegExp(`^inferlens drift: bad-type\\.csv:${expected['bad-type.csv'].line}: column "age": "forty" is not a number`)],
      ['bad-ragged.csv', new RegExp(`^inferlens drift: bad-ragged\\.csv:${expected['bad-ragged.csv'].line}: expected 6 fields as in the header, got 5\\.`)],
      ['bad-quote.csv', new RegExp(`^inferlens drift: bad-quote\\.csv:${expected['bad-quote.csv'].line}: Quote Not Closed`)],
      ['missing-column.csv', /^inferlens drift: missing-column\.csv:1: column "score" of ref\.csv is missing/],
      ['no-such.csv', /^inferlens drift: no-such\.csv: cannot read: no such file\./],
    ];
    for (const [file, message] of cases) {
      const r = drift(file, '--format', 'json');
      expect(r.code, file).toBe(2);
      expect(r.stdout, file).toBe('');
      expect(r.stderr, file).toMatch(message);
    }
  });

  it('exits 2 with a usage line on usage errors', () => {
    for (const args of [['drift'], ['drift', '--reference', 'ref.csv'], ['drift', '--reference', 'ref.csv', '--current', 'cur-drift.csv', '--format', 'xml'], ['nope'], []]) {
      const r = inferlens(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/Usage: inferlens/);
    }
    const help = inferlens('drift', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: inferlens drift --reference/);
  });
});
