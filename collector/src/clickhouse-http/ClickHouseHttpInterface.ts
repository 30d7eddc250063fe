import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ChdbHttpExecutor } from './ChdbHttpExecutor.js';
import { clickHouseHttpHandler, KEEP_ALIVE_SECONDS, type ClickHouseHttpHandlerOptions } from './clickhouse-http-handler.js';
import type { TlsServerOptions } from '../config/tls.js';
import { tableScope } from './project-scope.js';
import { readOnlyPolicy } from './read-only-policy.js';

/** Options of {@link startClickHouseHttpInterface}. */
export interface ClickHouseHttpInterfaceOptions {
  /** The embedded store's data directory (this process's chDB directory). */
  dataDir: string;
  /** Interface and port to listen on (0: any free port). */
  host: string;
  port: number;
  /** The one user and password accepted. */
  username: string;
  password: string;
  /** `max_execution_time` of each query, in seconds. */
  maxExecutionSeconds: number;
  /** `max_memory_usage` and `max_result_bytes` of each query, in bytes. */
  maxMemoryBytes: number;
  /** The database of Inferlens' tables. @default 'default' */
  database?: string;
  /** The one project the user reads (every table filtered to its rows; see `tableScope`); '' or absent: every project. */
  project?: string;
  /** HTTPS (the collector's `tls.*`): served over TLS, with client certificates when they are asked for. */
  https?: TlsServerOptions;
  /** Logging of each request's outcome. */
  onRequest?: ClickHouseHttpHandlerOptions['onRequest'];
}

/** A running interface. */
export interface ClickHouseHttpInterface {
  /** `http://host:port` (`https://` over TLS), with the port actually bound. */
  url: string;
  port: number;
  /** Stops listening, ends open connections and releases the engine connection. */
  close(): Promise<void>;
}

/**
 * Serves a read-only ClickHouse HTTP interface over the embedded store, for Grafana's ClickHouse
 * plugin and `@clickhouse/client`: the handler of the tests' ClickHouse server, with one user and
 * {@link readOnlyPolicy} (reads of Inferlens' database only, bounded in time and memory).
 *
 * @example
 * const ch = await startClickHouseHttpInterface({ dataDir, host: '127.0.0.1', port: 8123, username: 'grafana', password, maxExecutionSeconds: 30, maxMemoryBytes: 1 << 30 });
 */
export async function startClickHouseHttpInterface(options: ClickHouseHttpInterfaceOptions): Promise<ClickHouseHttpInterface> {
  const database = options.database ?? 'default';
  const executor = new ChdbHttpExecutor({ dataDir: options.dataDir, spoolDir: join(options.dataDir, 'http-spool') });
  let server: Server | undefined;
  try {
    const { version, timezone } = await executor.serverInfo();
    const otherDatabases = await executor.databases();
    const tableFunctions = await executor.tableFunctions();
    const handler = clickHouseHttpHandler({
      executor,
      user: { username: options.username, password: options.password },
      policy: readOnlyPolicy({
        database,
        otherDatabases,
        tableFunctions,
        maxExecutionSeconds: options.maxExecutionSeconds,
        maxMemoryBytes: options.maxMemoryBytes,
        scope: tableScope(options.project ?? ''),
      }),
      // Queries only: a large body is no query.
      maxBodyBytes: 1024 * 1024,
      version,
      timezone,
      displayName: 'inferlens',
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
    server = options.https ? createHttpsServer(options.https, handler) : createServer(handler);
    server.keepAliveTimeout = (KEEP_ALIVE_SECONDS + 1) * 1000;
    const s = server;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(options.port, options.host, () => {
        s.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    server?.close();
    executor.close();
    throw err;
  }
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const s = server;
  return {
    url: `${options.https ? 'https' : 'http'}://${host}:${bound.port}`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        s.close(() => {
          executor.close();
          resolve();
        });
        s.closeAllConnections();
      }),
  };
}
