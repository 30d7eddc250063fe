import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { OPTIONS } from '../../collector/src/config.js';

// deploy/: every file parses; each INFERLENS_* variable it sets is a key of the collector's
// configuration schema (or, in Grafana's environment, one its provisioning files read); each file
// it mounts or builds from exists. Nothing is started: no Docker or Kubernetes here.

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const DEPLOY = join(ROOT, 'deploy');
const CONFIG_ENV = new Set(OPTIONS.flatMap((o) => (o.env ? [o.env] : [])));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
const FILES = filesUnder(DEPLOY).map((f) => relative(DEPLOY, f)).sort();
const read = (f: string) => readFileSync(join(DEPLOY, f), 'utf8');

/** `${INFERLENS_*}` variables the Grafana provisioning files read. */
function provisioningVariables(dir: string): Set<string> {
  const vars = new Set<string>();
  for (const f of filesUnder(join(ROOT, 'collector/grafana', dir))) for (const m of readFileSync(f, 'utf8').matchAll(/\$\{?(INFERLENS_[A-Z0-9_]+)\}?/g)) vars.add(m[1]!);
  return vars;
}

const inferlensKeys = (env: Record<string, unknown> | undefined) => Object.keys(env ?? {}).filter((k) => k.startsWith('INFERLENS_'));

/** A Dockerfile's instructions (continuation lines joined, comments dropped). */
function dockerInstructions(text: string): Array<{ op: string; args: string }> {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!, args: rest.join(' ') };
    });
}

/** Checks an XML file is well formed enough: every element closed in order. */
function checkXml(text: string): void {
  const stack: string[] = [];
  for (const m of text.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) expect(stack.pop(), `</${m[2]}>`).toBe(m[2]);
    else stack.push(m[2]!);
  }
  expect(stack).toEqual([]);
}

describe('deploy/', () => {
  it('holds only files of kinds this test parses, and each parses', () => {
    expect(FILES).toEqual(['Dockerfile', 'README.md', 'clickhouse/grafana-user.xml', 'docker-compose.yaml', 'kubernetes/inferlens.yaml', 'nginx.conf']);
    for (const f of FILES) {
      const text = read(f);
      if (f.endsWith('.yaml')) for (const doc of parseAllDocuments(text)) expect(doc.errors, f).toEqual([]);
      else if (f.endsWith('.xml')) checkXml(text);
      else if (f === 'Dockerfile') {
        const known = new Set(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'VOLUME', 'EXPOSE', 'USER', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD', 'ARG', 'LABEL']);
        const ops = dockerInstructions(text);
        for (const { op, args } of ops) {
          expect(known, op).toContain(op);
          if (/^(ENTRYPOINT|CMD|VOLUME)$/.test(op) && args.startsWith('[')) expect(() => JSON.parse(args), op).not.toThrow();
        }
        expect(ops[0]!.op).toBe('FROM');
      } else if (f === 'nginx.conf') {
        const body = text.replace(/#.*$/gm, '');
        expect(body.split('{').length, 'balanced braces').toBe(body.split('}').length);
      } else expect(f).toBe('README.md');
    }
    for (const f of FILES.filter((x) => x !== 'README.md')) expect(read('README.md'), `deploy/README.md lists ${f}`).toContain(`\`${f}\``);
  });

  it('Dockerfile: installs the collector and the packages it depends on from the tarballs pnpm pack:all writes', () => {
    const ops = dockerInstructions(read('Dockerfile'));
    const copy = ops.find((o) => o.op === 'COPY')!.args.split(/\s+/);
    const tarballs = copy.slice(0, -1);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'collector/package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    const needed = [manifest.name, ...Object.keys(manifest.dependencies).filter((d) => d.startsWith('@inferlens/'))].map((n) => `packs/${n.replace(/^@/, '').replace('/', '-')}-*.tgz`);
    expect(tarballs.sort()).toEqual(needed.sort());
    // pack-all packs each of them.
    const packAll = readFileSync(join(ROOT, 'scripts/pack-all.mjs'), 'utf8');
    for (const n of ['packages/semconv', 'packages/stats', 'collector']) expect(packAll).toContain(`dir: '${n}'`);
    const run = ops.find((o) => o.op === 'RUN')!.args;
    for (const t of tarballs) expect(run).toContain(`./${t}`);
    expect(run).toMatch(/^npm install --global/);
    for (const o of ops.filter((x) => x.op === 'ENV')) for (const m of o.args.matchAll(/(INFERLENS_[A-Z0-9_]+)=/g)) expect(CONFIG_ENV, m[1]).toContain(m[1]);
    expect(ops.find((o) => o.op === 'ENTRYPOINT')!.args).toBe('["inferlens-collector"]');
  });

  it('docker-compose.yaml: a ClickHouse server, two ingest and one jobs collector behind the proxy, Grafana; variables and mounts exist', () => {
    const compose = parseYaml(read('docker-compose.yaml'), { merge: true }) as { services: Record<string, { build?: { context: string; dockerfile: string }; environment?: Record<string, unknown>; volumes?: string[]; depends_on?: unknown }> };
    const s = compose.services;
    expect(Object.keys(s).sort()).toEqual(['clickhouse', 'grafana', 'ingest-1', 'ingest-2', 'jobs', 'proxy']);
    const collectors = ['ingest-1', 'ingest-2', 'jobs'];
    expect(collectors.map((n) => s[n]!.environment!.INFERLENS_ROLE)).toEqual(['ingest', 'ingest', 'jobs']);
    for (const n of collectors) {
      const build = s[n]!.build!;
      expect(statSync(join(DEPLOY, build.context, build.dockerfile)).isFile()).toBe(true);
      for (const k of inferlensKeys(s[n]!.environment)) expect(CONFIG_ENV, `${n}: ${k}`).toContain(k);
      expect(s[n]!.environment!.INFERLENS_CLICKHOUSE_URL).toBe('http://clickhouse:8123');
    }
    // Grafana's INFERLENS_* are what its provisioning reads, all of them.
    const grafanaVars = provisioningVariables('provisioning');
    expect(new Set(inferlensKeys(s.grafana!.environment))).toEqual(grafanaVars);
    // Every mounted file or folder of the repository exists.
    const mounts = Object.entries(s).flatMap(([n, svc]) => (svc.volumes ?? []).map((v) => [n, v.split(':')[0]!] as const)).filter(([, src]) => src.startsWith('.'));
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const [n, src] of mounts) expect(() => statSync(join(DEPLOY, src)), `${n}: ${src}`).not.toThrow();
    // The proxy sends to the collectors of this file.
    const nginx = read('nginx.conf');
    const upstreams = [...nginx.matchAll(/^\s*server\s+([\w.-]+):(\d+);/gm)].map((m) => m[1]);
    expect(upstreams.sort()).toEqual(collectors.slice().sort());
    for (const m of nginx.matchAll(/proxy_pass http:\/\/(\w+);/g)) expect(nginx).toContain(`upstream ${m[1]} {`);
    expect(nginx).toMatch(/location \/api\/v1\/jobs \{ proxy_pass http:\/\/inferlens_jobs; \}/);
  });

  it('kubernetes/: ingest and jobs Deployments and Services; every variable a configuration key; references resolve', () => {
    const docs = parseAllDocuments(read('kubernetes/inferlens.yaml')).map((d) => d.toJS() as Record<string, any>);
    const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
    const configMaps = new Set(byKind('ConfigMap').map((d) => d.metadata.name));
    const secrets = new Set(byKind('Secret').map((d) => d.metadata.name));
    for (const d of [...byKind('ConfigMap'), ...byKind('Secret')]) for (const k of inferlensKeys({ ...d.data, ...d.stringData })) expect(CONFIG_ENV, k).toContain(k);
    const deployments = byKind('Deployment');
    expect(deployments.map((d) => [d.metadata.name, d.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'INFERLENS_ROLE').value])).toEqual([
      ['inferlens-ingest', 'ingest'],
      ['inferlens-jobs', 'jobs'],
    ]);
    for (const d of deployments) {
      expect(d.spec.selector.matchLabels).toEqual(d.spec.template.metadata.labels);
      const c = d.spec.template.spec.containers[0];
      for (const e of c.env) if (e.name.startsWith('INFERLENS_')) expect(CONFIG_ENV, e.name).toContain(e.name);
      for (const from of c.envFrom) {
        if (from.configMapRef) expect(configMaps).toContain(from.configMapRef.name);
        if (from.secretRef) expect(secrets).toContain(from.secretRef.name);
      }
      expect([c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path]).toEqual(['/readyz', '/healthz']);
    }
    for (const svc of byKind('Service')) expect(deployments.some((d) => Object.entries(svc.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v)), svc.metadata.name).toBe(true);
  });
});
