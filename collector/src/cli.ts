#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { loadConfig, OPTIONS, type CollectorConfig } from './config.js';
import { renderHelp } from './config/help.js';
import { checkExposure } from './config/auth.js';
import { tlsServerOptions } from './config/tls.js';
import { CollectorError } from './errors.js';

async function main(): Promise<number> {
  if (process.argv[2] === 'schema') {
    const { schemaCommand } = await import('./schema-command.js');
    const out = schemaCommand(process.argv.slice(3), process.env);
    if (out.stdout) process.stdout.write(out.stdout);
    if (out.stderr) process.stderr.write(out.stderr);
    return out.code;
  }
  const flagNames = OPTIONS.filter((o) => o.flag).map((o) => o.flag!);
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        config: { type: 'string' },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
        ...Object.fromEntries(flagNames.map((f) => [f, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    process.stderr.write(`inferlens-collector: ${(err as Error).message}\nRun inferlens-collector --help for the options.\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(renderHelp() + '\n');
    return 0;
  }
  if (parsed.values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(pkg.version + '\n');
    return 0;
  }
  let config: CollectorConfig;
  try {
    config = loadConfig({
      file: (parsed.values.config as string | undefined) ?? process.env.INFERLENS_CONFIG,
      env: process.env,
      flags: parsed.values as Record<string, string | undefined>,
    });
    checkExposure(config);
    // The certificate files read now, so that a missing one stops the collector with exit 2.
    tlsServerOptions(config.tls);
  } catch (err) {
    process.stderr.write(`inferlens-collector: ${(err as Error).message}\n`);
    return 2;
  }
  // Loaded only now, so --help and configuration errors answer without starting the engine.
  const { buildApp } = await import('./app.js');
  const app = await buildApp(config);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    app.log.fatal({ err }, 'cannot start the collector');
    await app.close().catch(() => undefined);
    return err instanceof CollectorError ? 3 : 1;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app.log.info({ host: config.host, port, role: config.role, scheme: config.tls.certFile ? 'https' : 'http', store: app.store.mode, dataDir: config.clickhouse.url ? undefined : config.dataDir }, 'collector listening');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: no new requests, flushing pending batches');
    app.close().then(
      () => {
        app.log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    if (!app.hasDecorator('alerts')) return;
    app.alerts
      .reload()
      .then((rules) => app.audit(null, { action: 'rules.reloaded', project: '*', target: rules.file, details: { sha256: rules.sha256 ?? '', rules: String(rules.rules.length), receivers: String(rules.receivers.length), via: 'SIGHUP' } }))
      .catch((err: unknown) => app.log.error({ err: (err as Error).message }, 'alert rules not reloaded on SIGHUP; the rules in force stay'));
  });
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`inferlens-collector: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
