import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { DEFAULT_RECORD_LIMITS } from '@inferlens/semconv';
import type { CollectorConfig } from './config.js';
import { checkExposure } from './config/auth.js';
import { tlsServerOptions } from './config/tls.js';
import { auditPlugin } from './audit/audit-plugin.js';
import { Redactor } from './ingest/Redactor.js';
import { configAuditDetails } from './audit/config-details.js';
import { ALL_PROJECTS } from './auth/Principal.js';
import { metricsPlugin, metricsRoutePlugin } from './metrics/metrics-plugin.js';
import { clientErrorHandler } from './http/client-error.js';
import { admissionPlugin } from './http/admission-plugin.js';
import { httpPlugin } from './http/http-plugin.js';
import { authPlugin } from './http/auth-plugin.js';
import { keysApiPlugin } from './http/auth-keys-api.js';
import { storePlugin } from './plugins/store-plugin.js';
import { clickHouseHttpPlugin } from './plugins/clickhouse-http-plugin.js';
import { otlpPlugin } from './ingest/otlp-plugin.js';
import { nativePlugin } from './ingest/native-plugin.js';
import { readPlugin } from './api/read-plugin.js';
import { healthPlugin } from './api/health-plugin.js';
import { referencesPlugin } from './api/references-plugin.js';
import { driftPlugin } from './api/drift-plugin.js';
import { dataQualityPlugin } from './api/data-quality-plugin.js';
import { slaPlugin } from './api/sla-plugin.js';
import { qualityPlugin } from './api/quality-plugin.js';
import { comparePlugin } from './api/compare-plugin.js';
import { modelsPlugin } from './api/models-plugin.js';
import { uiPlugin } from './api/ui-plugin.js';
import { activityPlugin } from './api/activity-plugin.js';
import { tracePredictionsPlugin } from './api/trace-predictions-plugin.js';
import { distributionsPlugin } from './api/distributions-plugin.js';
import { segmentsPlugin } from './api/segments-plugin.js';
import { jobsPlugin } from './jobs/jobs-plugin.js';
import { alertingPlugin } from './alerts/alerting-plugin.js';
import { jobsLeasePlugin } from './jobs/lease-plugin.js';

/** Options of {@link buildApp} beyond the configuration. */
export interface BuildAppOptions {
  /** A pino logger option for Fastify; `false` silences it. @default the config's level, JSON to stdout */
  logger?: boolean | { level: string };
}

/**
 * Builds the collector as a Fastify instance: store, receivers, read API, health.
 * The store is opened and migrated during `ready()`; `close()` flushes pending
 * batches and closes the store.
 *
 * @example
 * const app = await buildApp(loadConfig({ env: process.env }));
 * await app.listen({ host: '127.0.0.1', port: 4318 });
 */
export async function buildApp(config: CollectorConfig, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  // Bound beyond loopback with authentication off: refused unless allowed on purpose (see docs/security.md).
  checkExposure(config);
  // HTTPS when tls.certFile and tls.keyFile are set (client certificates with tls.caFile).
  const https = tlsServerOptions(config.tls);
  const app = Fastify({
    ...(https ? { https } : {}),
    // No request is logged with its headers; should one ever be, its key is not.
    logger: options.logger ?? { level: config.logLevel, redact: ['req.headers.authorization'] },
    // Per-request log lines cost throughput at ingestion rates; errors are logged by the handlers.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.maxBodyBytes,
    forceCloseConnections: false,
    // Requests arriving while the server closes get our own 503 with Retry-After (http-plugin.ts).
    return503OnClosing: false,
    // Slow clients: a request (headers and body) that does not arrive in time is answered 408
    // (client-error.ts); Node checks every connection once a second.
    requestTimeout: config.limits.requestTimeoutMs,
    http: {
      requestTimeout: config.limits.requestTimeoutMs,
      headersTimeout: Math.min(config.limits.headersTimeoutMs, config.limits.requestTimeoutMs),
      connectionsCheckingInterval: 1000,
    },
    clientErrorHandler,
  });
  const store = config.clickhouse.url
    ? ({
        mode: 'server',
        url: config.clickhouse.url,
        username: config.clickhouse.username,
        password: config.clickhouse.password,
        database: config.clickhouse.database,
        ...(config.clickhouse.cluster !== '' ? { cluster: config.clickhouse.cluster } : {}),
      } as const)
    : ({ mode: 'embedded', dataDir: config.dataDir } as const);
  // The HTTP layer first (error handler, 404s, refusal while closing, parameter checks), then the
  // plugins that decorate the root (store, alerting, jobs: fastify-plugin, with their declared
  // dependencies), and the encapsulated route plugins, each in its own context.
  await app.register(metricsPlugin);
  await app.register(httpPlugin);
  await app.register(storePlugin, { store, batch: config.batch });
  // Access control before any route: its hooks apply to every route registered after it.
  await app.register(authPlugin, { auth: config.auth, host: config.host });
  await app.register(auditPlugin);
  await app.register(metricsRoutePlugin);
  // The configuration in force, in the audit log at every start (its hash, and what matters for access).
  app.addHook('onReady', () => app.audit(null, { action: 'config.loaded', project: ALL_PROJECTS, target: 'configuration', details: configAuditDetails(config) }));
  await app.register(admissionPlugin, { maxBytesInFlight: config.limits.maxBytesInFlight, maxBodyBytes: config.limits.maxBodyBytes, maxQueueWaitMs: config.limits.maxQueueWaitMs });
  await app.register(clickHouseHttpPlugin, { config: config.clickhouseHttp, host: config.host, authMode: config.auth.mode, https, dataDir: config.dataDir });
  const recordLimits = DEFAULT_RECORD_LIMITS;
  // Roles: `ingest` has the receivers, `jobs` the jobs and alerting, `all` both; every role serves reads.
  const ingest = config.role !== 'jobs';
  const jobs = config.role !== 'ingest';
  // Redaction (redaction.rules) applies to every ingestion path before rows are stored.
  const redactor = new Redactor(config.redaction);
  if (ingest) {
    await app.register(otlpPlugin, { limits: config.limits, recordLimits, maxPendingRows: config.batch.maxPendingRows, redactor, limiter: app.auth.limiter });
    await app.register(nativePlugin, { limits: config.limits, recordLimits, redactor, limiter: app.auth.limiter });
  }
  await app.register(readPlugin);
  await app.register(healthPlugin);
  await app.register(referencesPlugin, { limits: config.limits, redactor, maxEmbeddingLength: recordLimits.maxEmbeddingLength ?? 4096 });
  await app.register(driftPlugin);
  await app.register(dataQualityPlugin);
  await app.register(slaPlugin);
  await app.register(qualityPlugin);
  await app.register(comparePlugin, { models: config.quality.models });
  await app.register(modelsPlugin);
  await app.register(uiPlugin);
  await app.register(activityPlugin);
  await app.register(tracePredictionsPlugin);
  await app.register(distributionsPlugin, { segments: config.segments });
  await app.register(segmentsPlugin);
  if (jobs) {
    await app.register(jobsLeasePlugin, { lease: config.jobsLease });
    await app.register(alertingPlugin, { alerts: config.alerts, host: config.host, qualityModels: config.quality.models });
    await app.register(jobsPlugin, { drift: config.drift, sla: config.sla, slos: config.slos, quality: config.quality, segments: config.segments });
  }
  await app.register(keysApiPlugin);
  return app;
}
