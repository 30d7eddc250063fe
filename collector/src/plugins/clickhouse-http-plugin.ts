import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { startClickHouseHttpInterface, type ClickHouseHttpInterface } from '../clickhouse-http/ClickHouseHttpInterface.js';
import { clickHouseHttpHost, type ClickHouseHttpConfig } from '../config/clickhouse-http.js';
import { isLoopback } from '../config/auth.js';
import type { TlsServerOptions } from '../config/tls.js';
import { STORE_PLUGIN } from './store-plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The read-only ClickHouse HTTP interface over the embedded store, once listening (`clickhouseHttp.port`); undefined when off. */
    clickhouseHttp: ClickHouseHttpInterface | undefined;
  }
}

/** Options of {@link clickHouseHttpPlugin}. */
export interface ClickHouseHttpPluginOptions {
  config: ClickHouseHttpConfig;
  /** The collector's own `host`. */
  host: string;
  /** `auth.mode`: with `required`, the interface stays on loopback unless `clickhouseHttp.host` says otherwise. */
  authMode: string;
  /** The collector's HTTPS options (`tls.*`), which the interface takes too. */
  https?: TlsServerOptions | undefined;
  /** The embedded store's data directory. */
  dataDir: string;
}

/**
 * Serves the read-only ClickHouse HTTP interface over the embedded store when
 * `clickhouseHttp.port` is set (see `startClickHouseHttpInterface`): it starts listening when
 * the collector is ready and stops when it closes. Every refused or failed query is logged at
 * `warn`, others at `debug`.
 */
async function clickHouseHttpSetup(app: FastifyInstance, opts: ClickHouseHttpPluginOptions): Promise<void> {
  app.decorate('clickhouseHttp', undefined);
  if (opts.config.port === -1 || app.store.mode !== 'embedded') return;
  const log = app.log.child({ component: 'clickhouse-http' });
  const host = clickHouseHttpHost(opts.config, opts.host, opts.authMode);
  app.addHook('onReady', async () => {
    const ch = await startClickHouseHttpInterface({
      dataDir: opts.dataDir,
      host,
      project: opts.config.project,
      ...(opts.https ? { https: opts.https } : {}),
      port: opts.config.port,
      username: opts.config.username,
      password: opts.config.password,
      maxExecutionSeconds: opts.config.maxExecutionSeconds,
      maxMemoryBytes: opts.config.maxMemoryBytes,
      onRequest: (e) => {
        const query = (e.request?.urlQuery ?? e.request?.body.subarray(0, 500).toString('utf8') ?? '').slice(0, 500);
        if (e.error) log.warn({ status: e.status, ms: e.ms, code: e.error.type, query, err: e.error.message }, 'clickhouse http query refused or failed');
        else log.debug({ status: e.status, ms: e.ms, query }, 'clickhouse http query');
      },
    });
    app.clickhouseHttp = ch;
    log.info({ host, port: ch.port, scheme: opts.https ? 'https' : 'http', project: opts.config.project || '*' }, 'clickhouse http interface listening (read-only)');
    if (opts.authMode === 'required' && !isLoopback(host) && opts.config.project === '') {
      log.warn(
        { host },
        'the clickhouse http interface is reachable beyond loopback and reads every project with one password, not API keys: set clickhouseHttp.project to scope it to one project (docs/security.md)',
      );
    }
  });
  app.addHook('onClose', async () => {
    await app.clickhouseHttp?.close();
  });
}

/** The read-only ClickHouse HTTP interface as a plugin of the root instance (after the store). */
export const clickHouseHttpPlugin = fp(clickHouseHttpSetup, { name: 'inferlens-clickhouse-http', fastify: '5.x', dependencies: [STORE_PLUGIN] });
