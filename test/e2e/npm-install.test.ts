// The packages as a user gets them: `pnpm pack:all`'s tarballs installed with plain npm into a
// fresh project outside the repository; a TypeScript file written against the documented API
// type-checked with `tsc --strict` and run against a collector started from the installed
// @inferlens/collector's bin; its predictions, spans and feedback found through the read API.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { getJson, poll } from '../helpers/example-service.js';

type AnyJson = Record<string, any>;

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const FIXTURE = join(ROOT, 'test/fixtures/npm-project');

/** Runs a command to the end; its exit code and output. */
function sh(command: string, args: string[], cwd: string, timeoutMs = 240_000): { status: number | null; out: string } {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

describe('the packed packages, installed with plain npm outside the repository', () => {
  let project: string;
  let tarballs: string[] = [];
  let collector: CollectorProcess | undefined;
  let dataDir: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'inferlens-npm-project-'));
    dataDir = tempDataDir();
    const app = join(project, 'app');
    sh('mkdir', ['-p', app], project);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'packed-app', version: '1.0.0', private: true, type: 'module' }, null, 2));
    for (const file of ['app.ts', 'app.cts']) copyFileSync(join(FIXTURE, file), join(app, file));
    copyFileSync(join(FIXTURE, 'tsconfig.json'), join(app, 'tsconfig.json'));
  });

  afterAll(async () => {
    await collector?.stop();
    removeDir(dataDir);
    if (project) removeDir(project);
  });

  it('pack:all writes one tarball per publishable package, with plain versions and only built files', () => {
    // The build is `pnpm test`'s first step; pack without building again.
    const packs = join(project, 'packs');
    const packed = sh(process.execPath, [join(ROOT, 'scripts/pack-all.mjs'), '--out', packs, '--no-build'], ROOT);
    expect(packed.status, packed.out).toBe(0);
    tarballs = readdirSync(packs).map((f) => join(packs, f));
    expect(tarballs.map((t) => t.split('/').pop()).sort()).toEqual([
      'inferlens-collector-0.1.0.tgz',
      'inferlens-sdk-0.1.0.tgz',
      'inferlens-semconv-0.1.0.tgz',
      'inferlens-stats-0.1.0.tgz',
    ]);
    for (const tarball of tarballs) {
      const files = sh('tar', ['-tzf', tarball], project).out.trim().split('\n');
      expect(files.every((f) => /^package\/(package\.json|README\.md|dist\/.+\.(js|d\.ts)|ui\/.+)$/.test(f)), files.join('\n')).toBe(true);
      const manifest = sh('tar', ['-xzOf', tarball, 'package/package.json'], project).out;
      expect(manifest).not.toMatch(/workspace:|catalog:/);
    }
  });

  /** Installs `packages` into the app project with plain npm; fails on a peer conflict or an invalid tree. */
  function npmInstall(app: string, packages: string[]): void {
    const install = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packages], app);
    expect(install.status, install.out).toBe(0);
    expect(install.out).not.toMatch(/ERESOLVE|EUNSUPPORTEDPROTOCOL|ERR_PACKAGE_PATH_NOT_EXPORTED/);
    const ls = sh('npm', ['ls', '--all'], app);
    expect(ls.status, ls.out).toBe(0); // no missing or invalid peer anywhere in the tree
  }

  /** Type-checks and compiles app.ts (ESM) and app.cts (CommonJS) with the installed tsc, `--strict`. */
  function typeCheck(app: string): void {
    const tsc = sh(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
    expect(tsc.status, tsc.out).toBe(0);
    expect(readFileSync(join(app, 'dist/app.cjs'), 'utf8')).toContain('require("@inferlens/sdk")');
  }

  /** Runs a compiled app against the collector; its last stdout line, parsed. */
  function runApp(app: string, file: string, project: string): AnyJson {
    const run = sh(process.execPath, [join(app, file), collector!.url, project], app, 60_000);
    expect(run.status, run.out).toBe(0);
    return JSON.parse(run.out.trim().split('\n').pop()!) as AnyJson;
  }

  /** Every prediction is stored with the expected fields, and its span is in its trace. */
  async function expectStored(project: string, model: string, service: string, byVersion: Record<string, string[]>): Promise<void> {
    for (const [version, ids] of Object.entries(byVersion)) {
      for (const predictionId of ids) {
        const { body } = await poll(`prediction ${predictionId}`, () => getJson(`${collector!.url}/api/v1/predictions?project=${project}&predictionId=${predictionId}`), (r) => r.body.predictions?.length === 1);
        const p = body.predictions[0];
        expect(p).toMatchObject({ predictionId, model, version, service, status: 'ok' });
        const trace = await poll(`trace ${p.traceId}`, () => getJson(`${collector!.url}/api/v1/traces/${p.traceId}`), (r) => r.status === 200);
        expect(trace.body.spans).toHaveLength(1);
        expect(trace.body.spans[0]).toMatchObject({ spanId: p.spanId, name: `predict ${model}`, serviceName: service });
        expect(trace.body.spans[0].attributes['inferlens.prediction.id']).toBe(predictionId);
      }
    }
  }

  it('with the lowest @opentelemetry/api it accepts (1.0.0): installs with npm, type-checks ESM and CommonJS code against the documented API, and its data reaches an installed collector', { timeout: 360_000 }, async () => {
    expect(tarballs, 'the tarballs of the first test').toHaveLength(4);
    const app = join(project, 'app');
    const typescript = JSON.parse(readFileSync(join(ROOT, 'node_modules/typescript/package.json'), 'utf8')).version as string;
    npmInstall(app, [...tarballs, '@opentelemetry/api@1.0.0', `typescript@${typescript}`, '@types/node@20']);
    expect(JSON.parse(readFileSync(join(app, 'node_modules/@opentelemetry/api/package.json'), 'utf8')).version).toBe('1.0.0');
    typeCheck(app);

    const bin = join(app, 'node_modules/.bin/inferlens-collector');
    expect(existsSync(bin)).toBe(true);
    collector = await startCollector({ dataDir, command: [bin] });

    // ESM: two versions of a model, feedback for three predictions of each.
    const esm = runApp(app, 'dist/app.js', 'packed');
    expect(esm.stats).toMatchObject({ exported: 8, dropped: 0, failed: 0, queued: 0, feedback: { exported: 6, dropped: 0, failed: 0, queued: 0 }, spans: { exported: 8, dropped: 0, failed: 0, queued: 0 } });
    expect(esm.losses).toBe(0);
    await expectStored('packed', 'fraud', 'packed-service', esm.ids);
    // Feedback, joined to its predictions by the read API's version comparison: v1 two of three right, v2 three.
    const from = Date.now() - 3_600_000;
    const compare = await poll(
      'feedback joined',
      () => getJson(`${collector!.url}/api/v1/compare?project=packed&model=fraud&a=v1&b=v2&from=${from}&to=${Date.now() + 60_000}`),
      (r) => r.body.quality?.accuracy?.rows?.a === 3 && r.body.quality?.accuracy?.rows?.b === 3,
    );
    expect(compare.body.quality.accuracy).toMatchObject({ a: 2 / 3, b: 1, rows: { a: 3, b: 3 } });

    // CommonJS: require('@inferlens/sdk').
    const cjs = runApp(app, 'dist/app.cjs', 'packed-cjs');
    expect(cjs).toMatchObject({ format: 'commonjs', stats: { exported: 2, dropped: 0, failed: 0, queued: 0, spans: { exported: 2 } } });
    await expectStored('packed-cjs', 'fraud-cjs', 'packed-cjs-service', { v1: cjs.ids });
  });

  it('with the newest @opentelemetry/api (1.10.0) and an OpenTelemetry 3 host: a second npm install, the same code, the host provider used', { timeout: 240_000 }, async () => {
    expect(collector, 'the collector of the previous test').toBeDefined();
    const app = join(project, 'app');
    npmInstall(app, ['@opentelemetry/api@1.10.0', '@opentelemetry/sdk-trace@3']);
    expect(JSON.parse(readFileSync(join(app, 'node_modules/@opentelemetry/api/package.json'), 'utf8')).version).toBe('1.10.0');
    typeCheck(app);
    const esm = runApp(app, 'dist/app.js', 'packed-newest');
    expect(esm.stats).toMatchObject({ exported: 8, dropped: 0, failed: 0, queued: 0, spans: { exported: 8 } });
    await expectStored('packed-newest', 'fraud', 'packed-service', esm.ids);
    const cjs = runApp(app, 'dist/app.cjs', 'packed-newest-cjs');
    await expectStored('packed-newest-cjs', 'fraud-cjs', 'packed-cjs-service', { v1: cjs.ids });

    // A host that registered an OpenTelemetry 3 tracer provider: the SDK's spans go there, and each record is its span's.
    copyFileSync(join(FIXTURE, 'host-otel3.mjs'), join(app, 'host-otel3.mjs'));
    const host = runApp(app, 'host-otel3.mjs', 'unused');
    expect(host.spans).toBe(1);
    expect(host.scope).toBe('@inferlens/sdk');
    expect(host.record).toMatchObject({ traceId: host.span.traceId, spanId: host.span.spanId });
    expect(host.record.timestamp).toBe(host.span.startMs);
    expect(host.record.latencyMs).toBe(host.span.durationMs);
    expect(host.record.latencyMs).toBeGreaterThanOrEqual(4);
    expect(host.ownSpans).toEqual({ exported: 0, dropped: 0, failed: 0, queued: 0 });
  });
});
