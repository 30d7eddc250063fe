import type { QualityModelConfig } from '../config.js';
import { METRICS_PLUGIN } from '../metrics/metrics-plugin.js';
import type { FastifyInstance } from 'fastify';
import { AUDIT_PLUGIN } from '../audit/audit-plugin.js';
import fp from 'fastify-plugin';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AlertsConfig } from '../config.js';
import { parseTimeParam } from '../api/read-plugin.js';
import { readAlertHistory } from '../store/repositories/alert-events.js';
import { readNotifications } from '../store/repositories/alert-notifications.js';
import { ALERT_NOTIFICATIONS } from '../store/schema/alert-notifications.js';
import { AlertEngine, type WindowReport } from './AlertEngine.js';
import { Dispatcher, type DeliveryRecord } from './Dispatcher.js';
import { loadRulesFile, RulesError, type RulesFile } from './rules-file.js';
import { JobUnits, unitId, type UnitKey, type UnitStatus } from '../jobs/JobUnits.js';
import { STORE_PLUGIN } from '../plugins/store-plugin.js';
import { JOBS_LEASE_PLUGIN } from '../jobs/lease-plugin.js';
import { boundProject } from '../auth/Principal.js';

/** The alerts labelled with `project`; all of them when it is undefined. */
function ofProject<A extends { labels: Record<string, string> }>(alerts: readonly A[], project: string | undefined): readonly A[] {
  return project === undefined ? alerts : alerts.filter((a) => a.labels.project === project);
}

/** What the collector exposes of alerting to jobs and to the CLI. */
export interface Alerting {
  engine: AlertEngine;
  dispatcher: Dispatcher;
  /**
   * The hook a job calls once it has written a window's results, with the rows it wrote:
   * evaluates the rules over that source for that model version (a failed evaluation is retried
   * with the newest report of its unit). Never throws; failures are logged.
   */
  onWindow(report: WindowReport): void;
  /** Re-reads the rules file; an invalid file leaves the rules in force untouched. @throws RulesError */
  reload(): Promise<RulesFile>;
  /** Evaluation units (one per result series' model version, plus traffic) and their standing, for `GET /api/v1/jobs`. */
  status(): { job: string; intervalMs: number; lastRunAt: string | null; lastRunError: string | null; units: UnitStatus[] };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Alert rules, state and notifications. */
    alerts: Alerting;
  }
}

/** Options of {@link alertingPlugin}. */
export interface AlertingPluginOptions {
  alerts: AlertsConfig;
  /** The listening host, for the default external URL of notifications. */
  host: string;
  /** Output names per model (`quality.models`), for `compare` rules. @default [] */
  qualityModels?: readonly QualityModelConfig[];
}

/** Name under which other plugins declare their dependency on {@link alertingPlugin}. */
export const ALERTING_PLUGIN = 'inferlens-alerting';

const HistoryQuery = Type.Object({
  rule: Type.Optional(Type.String({ maxLength: 256 })),
  fingerprint: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Type.String({ description: 'ISO-8601 time or Unix milliseconds; inclusive' })),
  to: Type.Optional(Type.String({ description: 'ISO-8601 time or Unix milliseconds; exclusive' })),
  limit: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }),
});

const NotificationsQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('sent'), Type.Literal('failed')])),
  receiver: Type.Optional(Type.String({ maxLength: 256 })),
  limit: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
});

/**
 * Alerting: loads the rules file (`alerts.rulesFile`), restores pending and firing alerts,
 * evaluates traffic rules every `alerts.evaluationIntervalMs`, delivers notifications, and
 * serves `GET /api/v1/alerts`, `GET /api/v1/alerts/history`, `GET /api/v1/alerts/notifications`,
 * `GET /api/v1/rules` and `POST /api/v1/rules/reload`. Decorates the root instance with
 * `alerts` (it is registered through `fastify-plugin`: see {@link alertingPlugin}), so jobs
 * reach `app.alerts.onWindow`. A rules file that is invalid at start-up stops the start with its error.
 */
async function alerting(app: FastifyInstance, opts: AlertingPluginOptions): Promise<void> {
  const cfg = opts.alerts;
  const externalUrl = () => {
    if (cfg.externalUrl) return cfg.externalUrl;
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    return `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  };
  const recordDelivery = (r: DeliveryRecord) => {
    app.metrics.alertNotifications.inc({ receiver: r.receiver, outcome: r.status });
    if (r.status === 'failed') app.log.warn({ receiver: r.receiver, attempts: r.attempts, error: r.error }, 'alert notification failed');
    app.store
      .insert(ALERT_NOTIFICATIONS, [
        { Time: r.atMs, Receiver: r.receiver, Kind: r.kind, GroupKey: r.groupKey, Status: r.status, Attempts: r.attempts, Alerts: r.alerts, Error: r.error },
      ])
      .catch((err: unknown) => app.log.error({ err }, 'cannot record an alert notification'));
  };
  const dispatcher = new Dispatcher({ externalUrl, resendDelayMs: cfg.resendDelayMs, onDelivery: recordDelivery });
  const engine = new AlertEngine({ store: app.store, dispatcher, qualityModels: opts.qualityModels ?? [] });
  await engine.restore();
  // Taking over from another collector: its pending and firing alerts, as it stored them.
  app.jobsLease.onChange(async (holder) => {
    if (holder) await engine.restore().catch((err: unknown) => app.log.error({ err }, 'cannot restore the alerts on taking the jobs lease'));
  });

  const reload = async (): Promise<RulesFile> => {
    if (!cfg.rulesFile) throw new RulesError('no rules file is configured: set alerts.rulesFile (env INFERLENS_ALERTS_RULES_FILE)');
    const rules = await loadRulesFile(cfg.rulesFile);
    await engine.setRules(rules);
    app.log.info({ file: rules.file, rules: rules.rules.length, receivers: rules.receivers.length }, 'alert rules loaded');
    return rules;
  };
  if (cfg.rulesFile) await reload();

  // Each window report is one unit of evaluation (source, project, model, version and the
  // report's own labels): a failed evaluation is retried after a backoff with the newest report
  // of its unit, and never holds up the others.
  const units = new JobUnits({
    initialBackoffMs: 1000,
    maxBackoffMs: 60_000,
    onError: (unit, err, failures) => app.log.error({ err, unit, consecutiveFailures: failures }, 'alert evaluation failed; retrying after a backoff'),
  });
  const newest = new Map<string, WindowReport>();
  const retries = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  const evaluate = (id: string, key: UnitKey): void => {
    const report = newest.get(id);
    if (!report || stopped) return;
    void units
      .attempt(key, async () => (await engine.onWindow(report), { windows: 1, checkpointMs: report.windowEndMs }), id)
      .then((outcome) => {
        if (outcome.status !== 'backoff') app.metrics.alertEvaluations.inc({ source: report.source, outcome: outcome.status });
        if (outcome.status === 'ok') {
          if (newest.get(id) === report) newest.delete(id);
          return;
        }
        if (retries.has(id) || stopped) return;
        const delay = Math.max(0, Date.parse(outcome.nextAttemptAt ?? '') - Date.now() || 0);
        retries.set(id, setTimeout(() => (retries.delete(id), evaluate(id, key)), delay));
      });
  };
  let lastTrafficAt: number | undefined;
  let lastTrafficError: string | null = null;

  app.decorate('alerts', {
    engine,
    dispatcher,
    reload,
    onWindow(report: WindowReport) {
      const key: UnitKey = { ...report.labels, source: report.source, project: report.project, model: report.model, version: report.version };
      const id = unitId(key);
      newest.set(id, report);
      if (!retries.has(id)) evaluate(id, key);
    },
    status: () => ({
      job: 'alerts',
      intervalMs: cfg.evaluationIntervalMs,
      lastRunAt: lastTrafficAt === undefined ? null : new Date(lastTrafficAt).toISOString(),
      lastRunError: lastTrafficError,
      units: units.status(),
    }),
  } satisfies Alerting);

  let trafficTimer: NodeJS.Timeout | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  const evaluateTraffic = () => {
    trafficTimer = undefined;
    // Another collector holds the jobs lease and evaluates: this one stands by.
    if (!app.jobsLease.isHolder) {
      if (!stopped) trafficTimer = setTimeout(evaluateTraffic, cfg.evaluationIntervalMs);
      return;
    }
    lastTrafficAt = Date.now();
    engine
      .evaluateTraffic()
      .then(() => engine.evaluateCompare())
      .then(
        () => {
          lastTrafficError = null;
          app.metrics.alertEvaluations.inc({ source: 'traffic', outcome: 'ok' });
        },
        (err: unknown) => {
          lastTrafficError = (err as Error).message;
          app.metrics.alertEvaluations.inc({ source: 'traffic', outcome: 'failed' });
          app.log.error({ err }, 'traffic alert evaluation failed; retrying at the next interval');
        },
      )
      .finally(() => {
        if (!stopped) trafficTimer = setTimeout(evaluateTraffic, cfg.evaluationIntervalMs);
      });
  };
  app.addHook('onReady', async () => {
    trafficTimer = setTimeout(evaluateTraffic, cfg.evaluationIntervalMs);
    tickTimer = setInterval(() => app.jobsLease.isHolder && dispatcher.tick(), Math.min(1000, cfg.resendDelayMs));
  });
  app.addHook('preClose', async () => {
    stopped = true;
    if (trafficTimer) clearTimeout(trafficTimer);
    for (const t of retries.values()) clearTimeout(t);
    retries.clear();
    if (tickTimer) clearInterval(tickTimer);
    await engine.idle();
    await dispatcher.close();
  });

  await app.register(async (api) => {
    const typed = api.withTypeProvider<TypeBoxTypeProvider>();
    // A key bound to one project sees the alerts labelled with that project only.
    typed.get('/api/v1/alerts', async (request) => ({
      alerts: ofProject(engine.active(), boundProject(request.principal)).map((a) => ({
        rule: a.rule,
        state: a.state,
        fingerprint: a.fingerprint,
        labels: a.labels,
        annotations: a.annotations,
        value: a.value,
        activeAt: new Date(a.activeAtMs).toISOString(),
        firedAt: a.firedAtMs === undefined ? null : new Date(a.firedAtMs).toISOString(),
      })),
    }));
    typed.get('/api/v1/alerts/history', { schema: { querystring: HistoryQuery } }, async (request) => {
      const q = request.query;
      const rows = await readAlertHistory(app.store, {
        rule: q.rule,
        fingerprint: q.fingerprint,
        project: boundProject(request.principal),
        from: parseTimeParam('from', q.from),
        to: parseTimeParam('to', q.to),
        limit: q.limit,
      });
      return {
        events: rows.map((r) => ({
          time: new Date(Number(r.t)).toISOString(),
          rule: r.Rule,
          fingerprint: r.Fingerprint,
          from: r.FromState,
          to: r.ToState,
          value: Number(r.Value),
          labels: r.Labels,
          annotations: r.Annotations,
          activeAt: new Date(Number(r.activeAt)).toISOString(),
        })),
      };
    });
    typed.get('/api/v1/alerts/notifications', { schema: { querystring: NotificationsQuery } }, async (request) => {
      const q = request.query;
      const rows = await readNotifications(app.store, { status: q.status, receiver: q.receiver, limit: q.limit });
      return {
        notifications: rows.map((r) => ({ time: new Date(Number(r.t)).toISOString(), receiver: r.Receiver, kind: r.Kind, groupKey: r.GroupKey, status: r.Status, attempts: Number(r.Attempts), alerts: Number(r.Alerts), error: r.Error })),
      };
    });
    typed.get('/api/v1/rules', async () => {
      const rules = engine.rules;
      return {
        file: rules?.file ?? null,
        rules: (rules?.rules ?? []).map((r) => ({ alert: r.alert, when: r.when, forMs: r.forMs, keepFiringForMs: r.keepFiringForMs, consecutiveWindows: r.consecutiveWindows, labels: r.labels, annotations: r.annotations, notify: r.notify })),
        // URLs are left out: a Slack webhook URL is a secret.
        receivers: (rules?.receivers ?? []).map((r) => ({ name: r.name, kind: r.target.kind, groupBy: r.groupBy, repeatIntervalMs: r.repeatIntervalMs })),
      };
    });
    typed.post('/api/v1/rules/reload', async (request) => {
      try {
        const rules = await reload();
        await app.audit(request, { action: 'rules.reloaded', project: '*', target: rules.file, details: { sha256: rules.sha256 ?? '', rules: String(rules.rules.length), receivers: String(rules.receivers.length) } });
        return { file: rules.file, rules: rules.rules.length, receivers: rules.receivers.length };
      } catch (err) {
        // Answered 400 ALERT_RULES_INVALID by the root error handler; logged here, as a 4xx is not.
        if (err instanceof RulesError) app.log.error({ err: err.message }, 'alert rules not reloaded; the rules in force stay');
        throw err;
      }
    });
  });
}

/** Alerting as a plugin of the root instance (see {@link alerting}): decorates it with `alerts`. */
export const alertingPlugin = fp(alerting, {
  name: ALERTING_PLUGIN,
  fastify: '5.x',
  dependencies: [STORE_PLUGIN, AUDIT_PLUGIN, METRICS_PLUGIN, JOBS_LEASE_PLUGIN],
  decorators: { fastify: ['store', 'metrics', 'jobsLease'] },
});
