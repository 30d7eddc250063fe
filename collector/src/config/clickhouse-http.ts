import Type, { type Static } from 'typebox';
import { isLoopback } from './auth.js';
import type { Fail } from './problems.js';
import { Count, Section, Text } from './setting.js';

/**
 * `clickhouseHttp:`: a read-only ClickHouse HTTP interface over the embedded store, for Grafana's
 * ClickHouse plugin (see [Grafana](grafana.md#grafana-on-the-embedded-store)).
 */
export const ClickHouseHttpSection = Section(
  {
    port: Type.Integer({
      minimum: -1,
      maximum: 65535,
      default: -1,
      env: 'INFERLENS_CLICKHOUSE_HTTP_PORT',
      flag: 'clickhouse-http-port',
      description: 'TCP port of the read-only ClickHouse HTTP interface over the embedded store, on `host` (-1: off; 0: any free port, logged); embedded store only',
    }),
    host: Text({
      env: 'INFERLENS_CLICKHOUSE_HTTP_HOST',
      default: '',
      description:
        "interface the read-only ClickHouse HTTP interface listens on; empty: the collector's `host`, except with `auth.mode: required`, where it is 127.0.0.1 unless set here (see [Security](security.md#the-clickhouse-http-interface))",
    }),
    project: Text({
      env: 'INFERLENS_CLICKHOUSE_HTTP_PROJECT',
      default: '',
      description: "the one project that interface's user reads: every table is filtered to its rows, tables that are not per project are refused; empty: every project",
    }),
    username: Text({ env: 'INFERLENS_CLICKHOUSE_HTTP_USERNAME', default: '', description: 'the one user of that interface (required when it is on)' }),
    password: Text({ env: 'INFERLENS_CLICKHOUSE_HTTP_PASSWORD', default: '', description: "that user's password (required when it is on)" }),
    maxExecutionSeconds: Count({ env: 'INFERLENS_CLICKHOUSE_HTTP_MAX_EXECUTION_SECONDS', maximum: 3600, default: 30, description: "longest a query of that interface runs (`max_execution_time`; a client's smaller value stays)" }),
    maxMemoryBytes: Count({ env: 'INFERLENS_CLICKHOUSE_HTTP_MAX_MEMORY_BYTES', minimum: 1_048_576, default: 1_073_741_824, description: 'memory a query of that interface may use (`max_memory_usage`); also the largest answer' }),
  },
  'a read-only ClickHouse HTTP interface over the embedded store, for Grafana',
);

/** The read-only ClickHouse HTTP interface's settings. */
export type ClickHouseHttpConfig = Static<typeof ClickHouseHttpSection>;

/** Rules the schema cannot state: credentials when the interface is on, and the embedded store. */
export function checkClickHouseHttp(config: ClickHouseHttpConfig, clickhouseUrl: string, fail: Fail): void {
  if (config.port === -1) return;
  if (clickhouseUrl !== '') fail(['clickhouseHttp', 'port'], 'the interface serves the embedded store only; with clickhouse.url set, point Grafana at that server');
  if (config.username === '') fail(['clickhouseHttp', 'username'], 'required when clickhouseHttp.port is set (INFERLENS_CLICKHOUSE_HTTP_USERNAME)');
  if (config.password === '') fail(['clickhouseHttp', 'password'], 'required when clickhouseHttp.port is set (INFERLENS_CLICKHOUSE_HTTP_PASSWORD)');
}

/**
 * Where the interface listens: `clickhouseHttp.host` when set; otherwise the collector's `host`,
 * except that a collector that requires API keys keeps the interface (one password, no keys) on
 * loopback unless told otherwise.
 */
export function clickHouseHttpHost(config: Pick<ClickHouseHttpConfig, 'host'>, collectorHost: string, authMode: string): string {
  if (config.host !== '') return config.host;
  if (authMode === 'required' && !isLoopback(collectorHost)) return '127.0.0.1';
  return collectorHost;
}
