import { meaning, type ConfigKey } from './keys.js';
import { OPTIONS } from './load.js';

/** Markdown of a description as a terminal shows it: `code` plain, a link to a docs page named with its path. */
function plain(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\(([\w.-]+\.md)(?:#[^)]*)?\)/g, '"$1" in docs/$2').replace(/`([^`]*)`/g, '$1');
}

/** The line `--help` prints for a key: flag or file key, description, environment variable, default. */
export function helpLine(key: ConfigKey): string {
  const name = key.flag ? `--${key.flag} <value>` : `(file: ${key.path})`;
  return `  ${name.padEnd(26)} ${[plain(meaning(key)), ...(key.env ? [`env ${key.env}`] : []), `default ${key.defaultText}`].join('; ')}`;
}

/** `inferlens-collector --help`. */
export function renderHelp(keys: readonly ConfigKey[] = OPTIONS): string {
  return [
    'Usage: inferlens-collector [options]',
    '',
    'Receives OTLP/HTTP traces and logs and native prediction/feedback records, and stores them in ClickHouse',
    '(embedded chDB by default). Precedence: flags > INFERLENS_* environment > config file > defaults.',
    '',
    'Options:',
    `  ${'--config <file>'.padEnd(26)} YAML configuration file (env INFERLENS_CONFIG)`,
    ...keys.map(helpLine),
    `  ${'--help'.padEnd(26)} print this help`,
    `  ${'--version'.padEnd(26)} print the version`,
    '',
    'Commands:',
    `  ${'schema [--cluster NAME]'.padEnd(26)} print the DDL the collector applies (one node, or a cluster); schema --help`,
  ].join('\n');
}
