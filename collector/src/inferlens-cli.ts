#!/usr/bin/env node
/**
 * The `inferlens` command: `inferlens drift`, an offline tool that needs no collector (see
 * `offline/drift-command.ts`), and `inferlens keys`, a client of a collector's keys API (see
 * `auth/keys-command.ts`). It imports none of the server's modules, so it starts in a fraction
 * of a second.
 *
 * @example
 * ```sh
 * inferlens drift --reference train.csv --current today.csv --format json
 * INFERLENS_ADMIN_KEY=... inferlens keys create --url https://collector:4318 --project acme --scopes ingest --name checkout
 * ```
 */
import { readFileSync } from 'node:fs';
import { runDrift } from './offline/drift-command.js';
import { runKeys } from './auth/keys-command.js';

const USAGE =
  'Usage: inferlens <command> [options]\n\nCommands:\n  drift   compare a current CSV data set with a reference one (inferlens drift --help)\n  keys    create, list and revoke a collector\'s API keys (inferlens keys --help)\n';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdout: (t: string) => void process.stdout.write(t), stderr: (t: string) => void process.stderr.write(t) };
  if (command === 'drift') return runDrift(rest, io);
  if (command === 'keys') return runKeys(rest, { ...io, env: process.env });
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (command === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    io.stdout(pkg.version + '\n');
    return 0;
  }
  io.stderr(`inferlens: ${command === undefined ? 'no command given' : `unknown command "${command}"`}\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  // Let stdout drain (a pipe may be slow) before the process ends.
  (code) => (process.exitCode = code),
  (err: unknown) => {
    // A bug, not bad input: keep it apart from 1 (drift) and 2 (bad input).
    process.stderr.write(`inferlens: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 3;
  },
);
