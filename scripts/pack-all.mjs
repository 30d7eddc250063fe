#!/usr/bin/env node
// Writes the tarball of every publishable package (`@inferlens/semconv`, `@inferlens/stats`,
// `@inferlens/sdk`, `@inferlens/collector`) into one folder, ready for `npm install <tarballs>`
// or `npm publish <tarball>`.
//
//   pnpm pack:all                  build, then pack into ./packs
//   node scripts/pack-all.mjs --out DIR [--no-build]
//
// Each package goes through `pnpm pack`, which turns the `workspace:` and `catalog:` specifiers of
// its manifest into the versions they stand for. The tarball's files are then checked and
// trimmed before `npm pack` writes the final tarball:
// - only the manifest, a README and the built files the manifest's `files` names (`dist`, the
//   collector's `ui`) are kept;
// - a file in `dist` whose source is gone (a stale output of an earlier build: `tsc -b` never
//   deletes those) is left out, as are compiled tests;
// - source maps are left out, with the `sourceMappingURL` comments that point to them: they
//   point to TypeScript sources, which the packages do not ship. What ships is the compiled
//   JavaScript (readable, not minified) and its declarations;
// - the manifest must carry no `workspace:` or `catalog:` specifier, its entry points (`main`,
//   `types`, `exports`, `bin`) must exist, and `@opentelemetry/api` may only be a peer
//   dependency (one copy of the API in a process).
// Prints one line per tarball; exits 1 (naming the package and the problem) when a check fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The publishable packages, in dependency order; each entry: folder, and the folders its `files` may hold. */
const PACKAGES = [
  { dir: 'packages/semconv', roots: ['dist'] },
  { dir: 'packages/stats', roots: ['dist'] },
  { dir: 'packages/sdk', roots: ['dist'] },
  { dir: 'collector', roots: ['dist', 'ui'] },
];

const args = process.argv.slice(2);
const outArg = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'packs';
const OUT = resolve(process.cwd(), outArg);
const BUILD = !args.includes('--no-build');

function run(command, commandArgs, cwd) {
  const r = spawnSync(command, commandArgs, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) fail(`${command} ${commandArgs.join(' ')} (in ${relative(ROOT, cwd) || '.'}) exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function fail(message) {
  process.stderr.write(`pack-all: ${message}\n`);
  process.exit(1);
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** The source of a compiled file `dist/<rel>` (`.js`, `.d.ts`, their maps), if it still exists. */
function hasSource(pkgDir, rel) {
  const stem = rel.replace(/^dist\//, '').replace(/(\.d)?\.(js|ts)(\.map)?$/, '');
  return ['.ts', '.mts', '.cts', '.tsx'].some((ext) => existsSync(join(ROOT, pkgDir, 'src', stem + ext)));
}

/** Every entry point the manifest names (`main`, `types`, `exports`, `bin`), as paths inside the package. */
function entryPoints(manifest) {
  const paths = [];
  const add = (v) => {
    if (typeof v === 'string') paths.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(add);
  };
  add(manifest.main);
  add(manifest.types);
  add(manifest.exports);
  add(manifest.bin);
  return paths.filter((p) => !p.includes('*')).map((p) => p.replace(/^\.\//, ''));
}

if (BUILD) run('pnpm', ['build'], ROOT);
mkdirSync(OUT, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'inferlens-pack-'));
try {
  for (const { dir, roots } of PACKAGES) {
    const pkgDir = join(ROOT, dir);
    const source = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const fileName = `${source.name.replace(/^@/, '').replace('/', '-')}-${source.version}.tgz`;
    const raw = join(work, 'raw');
    run('pnpm', ['pack', '--pack-destination', raw], pkgDir);
    if (!existsSync(join(raw, fileName))) fail(`${source.name}: pnpm pack wrote no ${fileName} in ${raw}`);
    const stage = join(work, 'stage', fileName);
    mkdirSync(stage, { recursive: true });
    run('tar', ['-xzf', join(raw, fileName), '-C', stage], ROOT);
    const pkg = join(stage, 'package');

    const manifestText = readFileSync(join(pkg, 'package.json'), 'utf8');
    const manifest = JSON.parse(manifestText);
    for (const protocol of ['workspace:', 'catalog:']) {
      if (manifestText.includes(protocol)) fail(`${source.name}: the packed manifest still has a ${protocol} specifier:\n${manifestText}`);
    }
    if (manifest.dependencies?.['@opentelemetry/api']) fail(`${source.name}: @opentelemetry/api must be a peer dependency, not a dependency`);
    if (dir === 'packages/sdk' && !manifest.peerDependencies?.['@opentelemetry/api']) fail(`${source.name}: no peer dependency on @opentelemetry/api`);

    let stale = 0;
    let maps = 0;
    for (const path of walk(pkg)) {
      const rel = relative(pkg, path).split('\\').join('/');
      if (rel === 'package.json' || /^(README|LICENSE|NOTICE)(\.md|\.txt)?$/i.test(rel)) continue;
      if (!roots.some((r) => rel.startsWith(`${r}/`))) fail(`${source.name}: unexpected file in the tarball: ${rel}`);
      if (!rel.startsWith('dist/')) continue;
      if (rel.endsWith('.map')) {
        unlinkSync(path);
        maps++;
      } else if (/\.test\.(js|d\.ts)$/.test(rel) || !hasSource(dir, rel)) {
        unlinkSync(path);
        stale++;
      } else if (/\.(js|d\.ts)$/.test(rel)) {
        const text = readFileSync(path, 'utf8');
        const trimmed = text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
        if (trimmed !== text) writeFileSync(path, trimmed);
      }
    }
    for (const entry of entryPoints(manifest)) {
      if (!existsSync(join(pkg, entry))) fail(`${source.name}: entry point ${entry} is not in the tarball`);
    }

    const packed = JSON.parse(run('npm', ['pack', pkg, '--pack-destination', OUT, '--ignore-scripts', '--json', '--loglevel=error'], work));
    const info = packed[0];
    const written = join(OUT, info.filename);
    const shown = written.startsWith(process.cwd()) ? relative(process.cwd(), written) : written;
    console.log(
      `${manifest.name}@${manifest.version} → ${shown} ` +
        `(${info.entryCount} files, ${(info.size / 1024).toFixed(0)} kB; left out: ${maps} source maps${stale ? `, ${stale} stale or test outputs` : ''})`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
