import { meaning, type ConfigKey } from './keys.js';
import { OPTIONS } from './load.js';

/** docs/configuration.md's table sits between these two lines; `pnpm config-docs` rewrites it. */
export const TABLE_START = '<!-- config-table: generated from collector/src/config by `pnpm config-docs`; a test checks it -->';
export const TABLE_END = '<!-- /config-table -->';

/** `16777216 (16 MiB)`, `300 (5 min)`: a readable size or duration beside a default in bytes, seconds or milliseconds. */
function readable(path: string, value: number): string {
  const units: Array<[string, number]> = path.endsWith('Bytes')
    ? [['MiB', 1024 * 1024]]
    : path.endsWith('Seconds')
      ? [['days', 86_400], ['h', 3600], ['min', 60]]
      : path.endsWith('Ms')
        ? [['min', 60_000], ['s', 1000]]
        : [];
  const fit = units.find(([, size]) => value >= size && value % size === 0);
  return fit ? ` (${value / fit[1]} ${fit[0]})` : '';
}

function defaultCell(key: ConfigKey): string {
  if (key.defaultText === '(empty)') return key.defaultText;
  const value = (key.schema as { default?: unknown }).default;
  return `\`${key.defaultText}\`${typeof value === 'number' ? readable(key.path, value) : ''}`;
}

/** The configuration table of docs/configuration.md, one row per key of the schema. */
export function renderConfigTable(keys: readonly ConfigKey[] = OPTIONS): string {
  const code = (text: string | undefined) => (text ? `\`${text}\`` : '');
  return [
    '| key (YAML) | flag | environment | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...keys.map((k) => `| ${code(k.path)} | ${code(k.flag && `--${k.flag}`)} | ${code(k.env)} | ${defaultCell(k)} | ${meaning(k)} |`),
  ].join('\n');
}

/**
 * `page` (the text of docs/configuration.md) with the text between {@link TABLE_START} and
 * {@link TABLE_END} replaced by the rendered table. @throws Error when the markers are missing
 */
export function withConfigTable(page: string, table: string = renderConfigTable()): string {
  const start = page.indexOf(TABLE_START);
  const end = page.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/configuration.md: the configuration table's markers are missing: ${TABLE_START} ... ${TABLE_END}`);
  return `${page.slice(0, start + TABLE_START.length)}\n${table}\n${page.slice(end)}`;
}
