import type { Static } from 'typebox';
import { isHttpUrl, refine, Section, Text } from './setting.js';

/** `clickhouse:`: the ClickHouse server; when `url` is empty the embedded chDB store is used. */
export const ClickHouseSection = Section(
  {
    url: refine(
      Text({
        env: 'INFERLENS_CLICKHOUSE_URL',
        flag: 'clickhouse-url',
        default: '',
        description: 'ClickHouse server URL (http or https); empty selects the embedded chDB',
        expected: 'an http(s) URL such as http://127.0.0.1:8123, or empty for the embedded chDB',
      }),
      (url) => url === '' || isHttpUrl(url),
    ),
    username: Text({ env: 'INFERLENS_CLICKHOUSE_USERNAME', default: 'default', description: 'ClickHouse user' }),
    password: Text({ env: 'INFERLENS_CLICKHOUSE_PASSWORD', default: '', description: 'ClickHouse password' }),
    database: Text({ env: 'INFERLENS_CLICKHOUSE_DATABASE', default: 'default', description: 'ClickHouse database, created when missing (server mode)' }),
    cluster: Text({
      env: 'INFERLENS_CLICKHOUSE_CLUSTER',
      default: '',
      description:
        'ClickHouse cluster name (`remote_servers`): migrations run `ON CLUSTER`, each table becomes a Replicated `<name>_local` with a Distributed `<name>` over it; empty: one server. Needs `url`; see [Scale-out](scale-out.md#cluster)',
    }),
  },
  'the ClickHouse server; an empty url selects the embedded chDB store',
);

/** The ClickHouse connection settings. */
export type ClickHouseConfig = Static<typeof ClickHouseSection>;
