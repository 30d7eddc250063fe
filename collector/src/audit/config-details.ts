import { createHash } from 'node:crypto';
import type { CollectorConfig } from '../config.js';

/**
 * What the audit log says of the configuration loaded at start: the SHA-256 of the whole
 * configuration with its secrets replaced by whether they are set (so two starts with the same
 * settings have the same hash, and no secret can be found from it), and the settings that decide
 * who may do what.
 */
export function configAuditDetails(config: CollectorConfig): Record<string, string> {
  const set = (v: string) => (v ? '(set)' : '');
  const withoutSecrets = {
    ...config,
    auth: { ...config.auth, adminKey: set(config.auth.adminKey) },
    clickhouse: { ...config.clickhouse, password: set(config.clickhouse.password) },
    clickhouseHttp: { ...config.clickhouseHttp, password: set(config.clickhouseHttp.password) },
    redaction: { ...config.redaction, hashKey: set(config.redaction.hashKey) },
  };
  return {
    sha256: createHash('sha256').update(JSON.stringify(withoutSecrets), 'utf8').digest('hex'),
    host: config.host,
    port: String(config.port),
    authMode: config.auth.mode,
    allowUnauthenticated: String(config.auth.allowUnauthenticated),
    adminKey: config.auth.adminKey ? 'auth.adminKey' : config.auth.adminKeyFile ? `auth.adminKeyFile ${config.auth.adminKeyFile}` : 'none',
    tls: config.tls.certFile ? (config.tls.caFile ? 'client certificates required' : 'on') : 'off',
    rulesFile: config.alerts.rulesFile,
    store: config.clickhouse.url ? 'server' : 'embedded',
    redactionRules: String(config.redaction.rules.length),
    clickhouseHttp: config.clickhouseHttp.port === -1 ? 'off' : `port ${config.clickhouseHttp.port}, host ${config.clickhouseHttp.host || '(collector)'}, project ${config.clickhouseHttp.project || '*'}`,
  };
}
