import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The Markdown a reader meets: the README, docs/, and the READMEs of the packages, examples and tests. */
function markdownFiles(): string[] {
  const inDir = (dir: string) => (existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir)).map((f) => join(dir, f)) : []);
  return [
    'README.md',
    ...inDir('docs').filter((f) => f.endsWith('.md')),
    ...['packages', 'examples'].flatMap(inDir).map((d) => join(d, 'README.md')),
    'collector/README.md',
    'test/README.md',
  ].filter((f) => existsSync(join(ROOT, f)));
}

/** The lines of a Markdown text outside fenced code blocks, with inline code spans blanked out. */
function proseLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: string | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(raw)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) out.push({ line: i + 1, text: raw.replace(/(`+)[^`]*?\1/g, (m) => ' '.repeat(m.length)) });
  }
  return out;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, ... */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence !== undefined) continue;
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Every relative link or `#anchor` of `file` (relative to ROOT) that does not resolve, as `file:line: target (why)`. */
function brokenLinks(file: string, read: (path: string) => string | undefined): string[] {
  const text = read(file)!;
  const broken: string[] = [];
  for (const { line, text: prose } of proseLines(text)) {
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
      const targetFile = pathPart === '' ? file : join(dirname(file), decodeURIComponent(pathPart));
      const where = `${file}:${line}: ${target}`;
      if (relative(ROOT, join(ROOT, targetFile)).startsWith('..')) {
        broken.push(`${where} (outside the repository)`);
        continue;
      }
      const content = read(targetFile);
      if (content === undefined) {
        broken.push(`${where} (no such file or folder: ${targetFile})`);
        continue;
      }
      if (anchor !== undefined && anchor !== '') {
        if (!targetFile.endsWith('.md')) broken.push(`${where} (an anchor into a file that is not Markdown)`);
        else if (!anchorsOf(content).has(anchor)) broken.push(`${where} (no heading with anchor #${anchor} in ${targetFile})`);
      }
    }
  }
  return broken;
}

/** A file's text, '' for a folder, undefined when the path does not exist. */
function readFromRepository(path: string): string | undefined {
  const full = join(ROOT, path);
  if (!existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
}

describe('links in the documentation', () => {
  it('finds the README, docs/ and the package READMEs', () => {
    const files = markdownFiles();
    expect(files).toContain('README.md');
    expect(files).toContain('docs/README.md');
    expect(files).toContain('docs/configuration.md');
    expect(files).toContain('packages/sdk/README.md');
  });

  it('every relative link and #anchor resolves to a file, folder or heading of the repository', () => {
    const broken = markdownFiles().flatMap((f) => brokenLinks(f, readFromRepository));
    expect(broken).toEqual([]);
  });

  // The index must list every page; the README links the index (and, today, each page, but a
  // new page needs only its line in the index, so that adding one touches the README not at all).
  it('links every docs page from docs/README.md, and docs/README.md from the README', () => {
    const pages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    const index = readFileSync(join(ROOT, 'docs/README.md'), 'utf8');
    for (const page of pages) expect(index, `docs/README.md does not link ${page}: add a line for it to its table`).toContain(`](${page})`);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('](docs/README.md)');
  });

  it('the checker itself: a missing file, a missing heading and a link outside the repository are reported, code is not', () => {
    const files: Record<string, string> = {
      'docs/a.md': [
        '# A page',
        '## `GET /api/v1/jobs`: units, late data',
        '## Twice',
        '## Twice',
        'ok: [x](#a-page), [y](b.md#the-b), [z](#get-apiv1jobs-units-late-data), [w](#twice-1), [r](../README.md), [web](https://example.com/#x)',
        'broken: [gone](c.md), [no heading](b.md#nope), [no local heading](#twice-2), [up](../../x.md)',
        'code: `[not](a-link.md)`',
        '```md',
        '[not a link either](missing.md)',
        '```',
      ].join('\n'),
      'docs/b.md': '# The B',
      'README.md': '# R',
    };
    const broken = brokenLinks('docs/a.md', (p) => files[p]);
    expect(broken.map((b) => b.replace(/ \(.*$/, ''))).toEqual([
      'docs/a.md:6: c.md',
      'docs/a.md:6: b.md#nope',
      'docs/a.md:6: #twice-2',
      'docs/a.md:6: ../../x.md',
    ]);
  });
});
