import Type from 'typebox';
import { Text } from './setting.js';

// Keys at the top level of the file: where the collector listens, where the embedded store keeps its data, how much it logs.

/** Interface to listen on. */
export const Host = Text({ env: 'INFERLENS_HOST', flag: 'host', default: '127.0.0.1', description: 'interface to listen on' });

/** TCP port; 4318 is OTLP/HTTP's registered port. */
export const Port = Type.Integer({ minimum: 0, maximum: 65535, default: 4318, env: 'INFERLENS_PORT', flag: 'port', description: "TCP port (4318 is OTLP/HTTP's registered port; 0: any free port)" });

/** Embedded store data directory. */
export const DataDir = Text({ env: 'INFERLENS_DATA_DIR', flag: 'data-dir', default: './.inferlens/data', description: 'embedded store data directory (unused when `clickhouse.url` is set)' });

/** pino levels. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** pino log level. */
export const LogLevel = Type.Enum(LOG_LEVELS, { default: 'info', env: 'INFERLENS_LOG_LEVEL', flag: 'log-level', description: 'pino log level' });
