import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../config.js';
import { renderHelp } from './help.js';
import { renderConfigTable, TABLE_END, TABLE_START } from './docs-table.js';

const PAGE = new URL('../../../docs/configuration.md', import.meta.url);

/** Key, flag, variable and default of each option line of `--help`. */
function helpEntries(help: string) {
  return help.split('\n').flatMap((line) => {
    const m = /^ {2}(?:--(\S+) <value>|\(file: (\S+)\))\s+.*?(?:; env (INFERLENS_\w+))?; default (.*)$/.exec(line);
    return m ? [{ flag: m[1] ?? '', file: m[2] ?? '', env: m[3] ?? '', default: m[4]! }] : [];
  });
}

/** Key, flag, variable and default of each row of the configuration table (docs/configuration.md). */
function tableEntries(table: string) {
  return table.split('\n').slice(2).map((row) => {
    const [key, flag, env, dflt] = row.split(' | ').map((c) => c.replace(/^\| /, ''));
    const bare = (cell: string) => /^`([^`]*)`/.exec(cell)?.[1] ?? cell;
    return { key: bare(key!), flag: bare(flag!).replace(/^--/, ''), env: bare(env!), default: bare(dflt!) };
  });
}

describe('configuration docs come from the schema', () => {
  it("docs/configuration.md's table is the one the schema renders (run `pnpm config-docs` after changing the schema)", () => {
    const page = readFileSync(PAGE, 'utf8');
    const start = page.indexOf(TABLE_START);
    const end = page.indexOf(TABLE_END);
    expect(start, 'docs/configuration.md has lost its table markers').toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    expect(page.slice(start + TABLE_START.length, end).trim()).toBe(renderConfigTable());
  });

  it('documents every key: a description, its own INFERLENS_ variable and flag, and a default its own schema accepts', () => {
    expect(OPTIONS.length).toBeGreaterThan(30);
    const envs = OPTIONS.flatMap((o) => (o.env ? [o.env] : []));
    const flags = OPTIONS.flatMap((o) => (o.flag ? [o.flag] : []));
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(flags).size).toBe(flags.length);
    for (const o of OPTIONS) {
      expect(o.description, o.path).toMatch(/^\S.{8,}/);
      if (o.env) expect(o.env, o.path).toMatch(/^INFERLENS_[A-Z0-9_]+$/);
      else expect(o.schema, `${o.path}: only YAML-only lists have no variable`).toMatchObject({ type: 'array' });
      if (o.flag) expect(o.flag, o.path).toMatch(/^[a-z][a-z-]*$/);
      if (o.defaultFrom) {
        const from = OPTIONS.find((x) => x.path === o.defaultFrom);
        expect(from, `${o.path} takes its default from a key that does not exist: ${o.defaultFrom}`).toBeDefined();
        expect(Value.Check(o.schema, (from!.schema as { default?: unknown }).default), o.path).toBe(true);
      } else {
        expect(Value.Check(o.schema, (o.schema as { default?: unknown }).default), `${o.path}: its default breaks its own schema`).toBe(true);
      }
    }
  });

  it('--help and the docs table list the same keys, in the same order, with the same flag, variable and default', () => {
    const help = helpEntries(renderHelp());
    const table = tableEntries(renderConfigTable());
    expect(help.length).toBe(OPTIONS.length);
    expect(table.length).toBe(OPTIONS.length);
    for (const [i, o] of OPTIONS.entries()) {
      const h = help[i]!;
      const row = table[i]!;
      expect([h.file, row.key], o.path).toEqual([o.flag ? '' : o.path, o.path]);
      expect([h.flag, row.flag], o.path).toEqual([o.flag ?? '', o.flag ?? '']);
      expect([h.env, row.env], o.path).toEqual([o.env ?? '', o.env ?? '']);
      expect([h.default, row.default], o.path).toEqual([o.defaultText, o.defaultText]);
    }
  });
});
