import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';

const dir = mkdtempSync(join(tmpdir(), 'inferlens-config-test-'));
let fileCount = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a YAML file in the test's temporary directory and returns its path. */
function yamlFile(text: string): string {
  const path = join(dir, `config-${++fileCount}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** The ConfigError that `loadConfig(input)` throws; fails the test when it does not throw one. */
function configError(input: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    return err as ConfigError;
  }
  throw new Error(`loadConfig did not throw for ${JSON.stringify(input)}`);
}

describe('loadConfig defaults', () => {
  it('gives the documented defaults when nothing is set', () => {
    const config = loadConfig({ env: {}, flags: {} });
    // Literal values from the table of docs/configuration.md, not from DEFAULT_CONFIG, so a changed default shows here.
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 4318,
      role: 'all',
      dataDir: './.inferlens/data',
      clickhouse: { url: '', username: 'default', password: '', database: 'default', cluster: '' },
      clickhouseHttp: { port: -1, host: '', project: '', username: '', password: '', maxExecutionSeconds: 30, maxMemoryBytes: 1_073_741_824 },
      limits: {
        maxBodyBytes: 16 * 1024 * 1024,
        maxDecompressedBytes: 64 * 1024 * 1024,
        maxRecordsPerRequest: 100_000,
        maxEventAgeSeconds: 31_622_400,
        maxEventAheadSeconds: 3600,
        maxBytesInFlight: 64 * 1024 * 1024,
        maxQueueWaitMs: 6_000,
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 10_000,
      },
      batch: { maxRows: 50_000, maxBytes: 32 * 1024 * 1024, maxDelayMs: 20, maxConcurrentInserts: 2, maxPendingRows: 500_000 },
      drift: { windowSeconds: 3600, allowedLatenessSeconds: 300, intervalMs: 10_000, idleTimeoutSeconds: 300, models: [] },
      sla: { windowSeconds: 3600, allowedLatenessSeconds: 300, intervalMs: 10_000, idleTimeoutSeconds: 300 },
      quality: { windowSeconds: 3600, allowedLatenessSeconds: 300, intervalMs: 10_000, idleTimeoutSeconds: 300, models: [] },
      segments: { maxValues: 10, models: [] },
      slos: [],
      alerts: { rulesFile: '', evaluationIntervalMs: 15_000, resendDelayMs: 60_000, externalUrl: '' },
      jobsLease: { ttlSeconds: 30 },
      auth: { mode: 'off', allowUnauthenticated: false, allowedHosts: '', adminKey: '', adminKeyFile: '', rateLimit: { recordsPerSecond: 0, burst: 0 }, keyRefreshMs: 500 },
      tls: { certFile: '', keyFile: '', caFile: '' },
      redaction: { hashKey: '', rules: [] },
      logLevel: 'info',
    });
    expect(loadConfig({})).toEqual(config);
  });

  it('returns a copy: changing the result leaves the defaults alone', () => {
    const config = loadConfig({});
    config.batch.maxRows = 1;
    config.clickhouse.url = 'http://changed:8123';
    expect(DEFAULT_CONFIG.batch.maxRows).toBe(50_000);
    expect(DEFAULT_CONFIG.clickhouse.url).toBe('');
    expect(loadConfig({}).batch.maxRows).toBe(50_000);
  });

  it('treats an empty file as no settings', () => {
    expect(loadConfig({ file: yamlFile('') })).toEqual(loadConfig({}));
    expect(loadConfig({ file: yamlFile('# only a comment\n') })).toEqual(loadConfig({}));
  });
});

describe('loadConfig precedence: flag > env > YAML file > default', () => {
  const file = yamlFile(['port: 1111', 'logLevel: warn', 'dataDir: /from/file', 'batch:', '  maxDelayMs: 50', '  maxRows: 700', ''].join('\n'));

  it('takes the file over the default', () => {
    const config = loadConfig({ file, env: {}, flags: {} });
    expect(config).toMatchObject({ port: 1111, logLevel: 'warn', dataDir: '/from/file', host: '127.0.0.1' });
    expect(config.batch).toEqual({ ...DEFAULT_CONFIG.batch, maxDelayMs: 50, maxRows: 700 });
  });

  it('takes the environment over the file, key by key', () => {
    const config = loadConfig({ file, env: { INFERLENS_PORT: '2222', INFERLENS_BATCH_MAX_DELAY_MS: '70', INFERLENS_HOST: '0.0.0.0' }, flags: {} });
    expect(config).toMatchObject({ port: 2222, host: '0.0.0.0', logLevel: 'warn', dataDir: '/from/file' });
    // A nested key from the environment replaces only that key; its siblings from the file stay.
    expect(config.batch).toMatchObject({ maxDelayMs: 70, maxRows: 700 });
  });

  it('takes a flag over the environment and the file', () => {
    const config = loadConfig({
      file,
      env: { INFERLENS_PORT: '2222', INFERLENS_LOG_LEVEL: 'error', INFERLENS_DATA_DIR: '/from/env' },
      flags: { port: '3333', 'log-level': 'debug' },
    });
    expect(config).toMatchObject({ port: 3333, logLevel: 'debug', dataDir: '/from/env' });
    expect(loadConfig({ file, env: {}, flags: { 'data-dir': '/from/flag', 'clickhouse-url': 'http://ch:8123' } })).toMatchObject({
      dataDir: '/from/flag',
      clickhouse: { url: 'http://ch:8123', username: 'default' },
    });
  });

  it('ignores an empty environment variable', () => {
    expect(loadConfig({ file, env: { INFERLENS_PORT: '' } }).port).toBe(1111);
    expect(loadConfig({ env: { INFERLENS_PORT: '' } }).port).toBe(4318);
  });

  it('reads every nested key from the file and from the environment', () => {
    const nested = yamlFile(
      [
        'clickhouse:',
        '  url: https://ch.example:8443',
        '  username: ingest',
        '  password: s3cret',
        '  database: inferlens',
        'limits:',
        '  maxBodyBytes: 1000',
        '  maxDecompressedBytes: 2000',
        '  maxRecordsPerRequest: "300"',
        '  maxEventAgeSeconds: 86400',
        '  maxEventAheadSeconds: 60',
        'batch:',
        '  maxBytes: 4000',
        '  maxConcurrentInserts: 4',
        '  maxPendingRows: 5000',
      ].join('\n'),
    );
    expect(loadConfig({ file: nested })).toMatchObject({
      clickhouse: { url: 'https://ch.example:8443', username: 'ingest', password: 's3cret', database: 'inferlens' },
      limits: { maxBodyBytes: 1000, maxDecompressedBytes: 2000, maxRecordsPerRequest: 300, maxEventAgeSeconds: 86_400, maxEventAheadSeconds: 60 },
      batch: { maxBytes: 4000, maxConcurrentInserts: 4, maxPendingRows: 5000 },
    });
    expect(
      loadConfig({
        env: {
          INFERLENS_CLICKHOUSE_USERNAME: 'u',
          INFERLENS_CLICKHOUSE_PASSWORD: 'p',
          INFERLENS_CLICKHOUSE_DATABASE: 'd',
          INFERLENS_MAX_BODY_BYTES: '11',
          INFERLENS_MAX_DECOMPRESSED_BYTES: '12',
          INFERLENS_MAX_RECORDS_PER_REQUEST: '13',
          INFERLENS_MAX_EVENT_AGE_SECONDS: '18',
          INFERLENS_MAX_EVENT_AHEAD_SECONDS: '19',
          INFERLENS_BATCH_MAX_ROWS: '14',
          INFERLENS_BATCH_MAX_BYTES: '15',
          INFERLENS_BATCH_MAX_CONCURRENT_INSERTS: '16',
          INFERLENS_BATCH_MAX_PENDING_ROWS: '17',
        },
      }),
    ).toMatchObject({
      clickhouse: { username: 'u', password: 'p', database: 'd' },
      limits: { maxBodyBytes: 11, maxDecompressedBytes: 12, maxRecordsPerRequest: 13, maxEventAgeSeconds: 18, maxEventAheadSeconds: 19 },
      batch: { maxRows: 14, maxBytes: 15, maxConcurrentInserts: 16, maxPendingRows: 17 },
    });
  });

  it('gives the SLA and quality jobs the drift idle timeout unless they set their own', () => {
    expect(loadConfig({ env: { INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: '90' } })).toMatchObject({
      drift: { idleTimeoutSeconds: 90 },
      sla: { idleTimeoutSeconds: 90 },
      quality: { idleTimeoutSeconds: 90 },
    });
    const own = yamlFile(['drift:', '  idleTimeoutSeconds: 90', 'sla:', '  idleTimeoutSeconds: 30', 'quality:', '  idleTimeoutSeconds: 45'].join('\n'));
    expect(loadConfig({ file: own })).toMatchObject({ drift: { idleTimeoutSeconds: 90 }, sla: { idleTimeoutSeconds: 30 }, quality: { idleTimeoutSeconds: 45 } });
    expect(loadConfig({ env: { INFERLENS_SLA_IDLE_TIMEOUT_SECONDS: '7', INFERLENS_QUALITY_IDLE_TIMEOUT_SECONDS: '8' } })).toMatchObject({
      drift: { idleTimeoutSeconds: 300 },
      sla: { idleTimeoutSeconds: 7 },
      quality: { idleTimeoutSeconds: 8 },
    });
  });

  it('accepts port 0 (any free port) and 65535', () => {
    expect(loadConfig({ flags: { port: '0' } }).port).toBe(0);
    expect(loadConfig({ env: { INFERLENS_PORT: '65535' } }).port).toBe(65535);
  });
});

describe('loadConfig errors name the key, the value and what is expected', () => {
  it('refuses a bad port from a flag', () => {
    const err = configError({ flags: { port: 'abc' } });
    expect(err.message).toContain('port (from --port)');
    expect(err.message).toContain('"abc"');
    expect(err.message).toContain('integer from 0 to 65535');
  });

  it('refuses a bad port from the environment', () => {
    const err = configError({ env: { INFERLENS_PORT: '70000' } });
    expect(err.message).toContain('port (from INFERLENS_PORT)');
    expect(err.message).toContain('"70000"');
    expect(err.message).toContain('integer from 0 to 65535');
  });

  it('refuses a bad port from the file, naming the file', () => {
    const file = yamlFile('port: -1\n');
    const err = configError({ file });
    expect(err.message).toContain(`port (from ${file})`);
    expect(err.message).toContain('-1');
    expect(err.message).toContain('integer from 0 to 65535');
    expect(configError({ file: yamlFile('port: "43a"\n') }).message).toContain('"43a"');
  });

  it('checks a file value even when the environment overrides it', () => {
    // A broken file is a broken deployment, whatever currently hides it.
    const err = configError({ file: yamlFile('port: lots\n'), env: { INFERLENS_PORT: '1234' } });
    expect(err.message).toContain('"lots"');
  });

  it.each([
    ['a fraction', '1.5'],
    ['a unit suffix', '10MB'],
    ['zero', '0'],
    ['a negative number', '-5'],
    ['an exponent', '1e6'],
    ['a number beyond 2^53', '99999999999999999999'],
  ])('refuses %s for an integer limit from the environment', (_what, value) => {
    const err = configError({ env: { INFERLENS_MAX_BODY_BYTES: value } });
    expect(err.message).toContain('limits.maxBodyBytes (from INFERLENS_MAX_BODY_BYTES)');
    expect(err.message).toContain(JSON.stringify(value));
    expect(err.message).toMatch(/expected an integer from 1 to \d+/);
  });

  it('refuses a non-integer limit from the file, naming the nested key', () => {
    const file = yamlFile('batch:\n  maxDelayMs: 2.5\n');
    const err = configError({ file });
    expect(err.message).toContain(`batch.maxDelayMs (from ${file})`);
    expect(err.message).toContain('2.5');
    expect(err.message).toContain('integer');
    expect(configError({ file: yamlFile('limits:\n  maxRecordsPerRequest: soon\n') }).message).toMatch(/limits\.maxRecordsPerRequest.*"soon"/);
    expect(configError({ env: { INFERLENS_MAX_EVENT_AGE_SECONDS: '-5' } }).message).toMatch(
      /limits\.maxEventAgeSeconds \(from INFERLENS_MAX_EVENT_AGE_SECONDS\).*integer from 1 .*"-5"/,
    );
  });

  it('refuses an unknown log level from a flag, env or file and lists the levels', () => {
    for (const input of [{ flags: { 'log-level': 'verbose' } }, { env: { INFERLENS_LOG_LEVEL: 'verbose' } }, { file: yamlFile('logLevel: verbose\n') }]) {
      const err = configError(input);
      expect(err.message).toContain('logLevel');
      expect(err.message).toContain('"verbose"');
      expect(err.message).toContain('fatal, error, warn, info, debug, trace, silent');
    }
    expect(configError({ flags: { 'log-level': 'verbose' } }).message).toContain('--log-level');
    expect(configError({ env: { INFERLENS_LOG_LEVEL: 'INFO' } }).message).toContain('INFERLENS_LOG_LEVEL');
  });

  it('refuses a value of the wrong type in the file', () => {
    const err = configError({ file: yamlFile('host:\n  - a\n  - b\n') });
    expect(err.message).toContain('host');
    expect(err.message).toContain('expected a string');
    expect(err.message).toContain('["a","b"]');
  });

  it('refuses an unknown top-level key and lists the known ones', () => {
    const file = yamlFile('prot: 4318\n');
    const err = configError({ file });
    expect(err.message).toContain(file);
    expect(err.message).toContain('"prot"');
    expect(err.message).toContain('host, port, role, dataDir, clickhouse, clickhouseHttp, limits, batch, drift, sla, quality, segments, alerts, jobsLease, auth, tls, redaction, logLevel, slos');
  });

  it('refuses an unknown nested key instead of ignoring it', () => {
    const file = yamlFile('batch:\n  maxDelay: 50\n');
    const err = configError({ file });
    expect(err.message).toContain(file);
    expect(err.message).toContain('"batch.maxDelay"');
    expect(err.message).toContain('maxDelayMs');
  });

  it('refuses a scalar where a section is expected', () => {
    const err = configError({ file: yamlFile('clickhouse: http://127.0.0.1:8123\n') });
    expect(err.message).toContain('clickhouse');
    expect(err.message).toContain('expected a mapping');
    expect(err.message).toContain('"http://127.0.0.1:8123"');
  });

  it('refuses a file whose top level is not a mapping', () => {
    const file = yamlFile('- port: 1\n- host: x\n');
    expect(configError({ file }).message).toMatch(/expected a mapping of keys at the top level/);
  });

  it('refuses a file that cannot be read, naming it', () => {
    const missing = join(dir, 'does-not-exist.yaml');
    const err = configError({ file: missing });
    expect(err.message).toContain(`cannot read config file ${missing}`);
    expect(err.message).toContain('ENOENT');
    expect(configError({ file: dir }).message).toContain('EISDIR');
    if (process.getuid?.() !== 0) {
      const locked = yamlFile('port: 1\n');
      chmodSync(locked, 0o000);
      expect(configError({ file: locked }).message).toContain('EACCES');
    }
  });

  it('refuses invalid YAML, naming the file and where', () => {
    const file = yamlFile('port: [1, 2\nhost: x\n');
    const err = configError({ file });
    expect(err.message).toContain(`${file} is not valid YAML`);
    expect(err.message).toMatch(/line \d+/);
  });

  it.each([
    ['not a url at all', 'not a url'],
    ['a host and port without scheme', 'localhost:8123'],
    ['a scheme other than http(s)', 'ftp://ch.example'],
  ])('refuses a clickhouse.url that is %s', (_what, url) => {
    for (const input of [{ flags: { 'clickhouse-url': url } }, { env: { INFERLENS_CLICKHOUSE_URL: url } }, { file: yamlFile(`clickhouse:\n  url: "${url}"\n`) }]) {
      const err = configError(input);
      expect(err.message).toContain('clickhouse.url');
      expect(err.message).toContain(JSON.stringify(url));
      expect(err.message).toContain('http(s) URL');
    }
  });
});

describe('clickhouseHttp: the read-only ClickHouse HTTP interface', () => {
  it('is off by default, and takes its port, user and password from the environment', () => {
    expect(DEFAULT_CONFIG.clickhouseHttp).toEqual({ port: -1, host: '', project: '', username: '', password: '', maxExecutionSeconds: 30, maxMemoryBytes: 1_073_741_824 });
    const env = { INFERLENS_CLICKHOUSE_HTTP_PORT: '8123', INFERLENS_CLICKHOUSE_HTTP_USERNAME: 'grafana', INFERLENS_CLICKHOUSE_HTTP_PASSWORD: 's3cret' };
    expect(loadConfig({ env }).clickhouseHttp).toMatchObject({ port: 8123, username: 'grafana', password: 's3cret' });
    const scoped = { ...env, INFERLENS_CLICKHOUSE_HTTP_HOST: '10.0.0.5', INFERLENS_CLICKHOUSE_HTTP_PROJECT: 'acme' };
    expect(loadConfig({ env: scoped }).clickhouseHttp).toMatchObject({ host: '10.0.0.5', project: 'acme' });
  });

  it('requires the user and the password when it is on, and the embedded store', () => {
    expect(configError({ env: { INFERLENS_CLICKHOUSE_HTTP_PORT: '8123' } }).message).toMatch(/clickhouseHttp\.username.*required when clickhouseHttp\.port is set/);
    expect(configError({ env: { INFERLENS_CLICKHOUSE_HTTP_PORT: '8123', INFERLENS_CLICKHOUSE_HTTP_USERNAME: 'g' } }).message).toMatch(/clickhouseHttp\.password.*required/);
    const withServer = { INFERLENS_CLICKHOUSE_HTTP_PORT: '0', INFERLENS_CLICKHOUSE_HTTP_USERNAME: 'g', INFERLENS_CLICKHOUSE_HTTP_PASSWORD: 'p', INFERLENS_CLICKHOUSE_URL: 'http://ch:8123' };
    expect(configError({ env: withServer }).message).toMatch(/clickhouseHttp\.port.*embedded store only/);
    expect(configError({ env: { INFERLENS_CLICKHOUSE_HTTP_PORT: '-2' } }).message).toMatch(/clickhouseHttp\.port.*-1 to 65535/);
  });
});

describe('clickhouse.cluster', () => {
  it('is empty (one server) by default, and needs clickhouse.url', () => {
    expect(DEFAULT_CONFIG.clickhouse.cluster).toBe('');
    expect(loadConfig({ env: { INFERLENS_CLICKHOUSE_URL: 'http://ch:8123', INFERLENS_CLICKHOUSE_CLUSTER: 'prod' } }).clickhouse.cluster).toBe('prod');
    expect(configError({ env: { INFERLENS_CLICKHOUSE_CLUSTER: 'prod' } }).message).toMatch(/clickhouse\.cluster.*needs clickhouse\.url/);
  });
});
