// The test ClickHouse server's process (started by clickhouse-server.ts): ClickHouse's HTTP
// interface over chDB, from the collector's build. Arguments: data directory; environment:
// CLICKHOUSE_TEST_USER / CLICKHOUSE_TEST_PASSWORD (both or neither) to require credentials;
// CLICKHOUSE_TEST_SETTINGS=name=value&name=value: the server's default settings (its profile).
// Prints one JSON line {"port": N} once it listens; SIGTERM closes it.
import { createServer } from 'node:http';
import { ChdbHttpExecutor } from '../../collector/dist/clickhouse-http/ChdbHttpExecutor.js';
import { clickHouseHttpHandler, KEEP_ALIVE_SECONDS } from '../../collector/dist/clickhouse-http/clickhouse-http-handler.js';

const [dataDir] = process.argv.slice(2);
const defaultSettings = [...new URLSearchParams(process.env.CLICKHOUSE_TEST_SETTINGS ?? '')];
const executor = new ChdbHttpExecutor({ dataDir, defaultSettings });
const { version, timezone } = await executor.serverInfo();
const username = process.env.CLICKHOUSE_TEST_USER;
const handler = clickHouseHttpHandler({
  executor,
  ...(username ? { user: { username, password: process.env.CLICKHOUSE_TEST_PASSWORD ?? '' } } : {}),
  maxBodyBytes: 1024 * 1024 * 1024,
  version,
  timezone,
  displayName: 'inferlens-test-clickhouse',
  onRequest: process.env.CLICKHOUSE_TEST_LOG
    ? (e) => process.stderr.write(`${e.status} ${e.ms}ms ${(e.request?.urlQuery ?? e.request?.body.subarray(0, 200).toString() ?? '').slice(0, 200).replace(/\s+/g, ' ')}${e.error ? ` ${e.error.type}: ${e.error.message}` : ''}\n`)
    : undefined,
});
const server = createServer(handler);
// Sockets stay open at least as long as the Keep-Alive header promises, as a ClickHouse server's do.
server.keepAliveTimeout = (KEEP_ALIVE_SECONDS + 1) * 1000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port, version })}\n`));
process.on('SIGTERM', () => {
  server.close(() => {
    executor.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
