import type { ReceiverConfig } from './rules-file.js';

/** One alert as receivers see it. */
export interface NotifyAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAtMs: number;
  /** Resolution time; undefined while firing. */
  endsAtMs?: number;
  generatorURL: string;
}

/** Alertmanager's "zero" time, sent as `endsAt` of a firing alert in webhook payloads. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function common(maps: Array<Record<string, string>>): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(maps[0]!)) if (maps.every((m) => m[k] === v)) out[k] = v;
  return out;
}

/** The Alertmanager webhook v4 payload of one group. */
export function webhookPayload(receiver: ReceiverConfig, groupKey: string, groupLabels: Record<string, string>, alerts: NotifyAlert[], externalURL: string) {
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: receiver.name,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAtMs).toISOString(),
      endsAt: a.endsAtMs === undefined ? ZERO_TIME : new Date(a.endsAtMs).toISOString(),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
  };
}

/** A Slack incoming-webhook message of one group: a summary line and one attachment per alert. */
export function slackPayload(receiver: ReceiverConfig, groupLabels: Record<string, string>, alerts: NotifyAlert[]) {
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const status = firing > 0 ? `FIRING:${firing}` : 'RESOLVED';
  const group = Object.entries(groupLabels).map(([k, v]) => `${k}=${v}`).join(' ');
  const channel = receiver.target.kind === 'slack' ? receiver.target.channel : undefined;
  return {
    ...(channel ? { channel } : {}),
    text: `[${status}] ${group}`,
    attachments: alerts.map((a) => ({
      color: a.status === 'firing' ? 'danger' : 'good',
      title: `[${a.status.toUpperCase()}] ${a.labels.alertname ?? ''}`,
      title_link: a.generatorURL,
      text: a.annotations.summary ?? a.annotations.description ?? '',
      fields: Object.entries(a.labels)
        .filter(([k]) => k !== 'alertname')
        .map(([k, v]) => ({ title: k, value: v, short: true })),
      ts: Math.floor((a.status === 'resolved' && a.endsAtMs !== undefined ? a.endsAtMs : a.startsAtMs) / 1000),
    })),
  };
}

/**
 * The Alertmanager API v2 body (`POST /api/v2/alerts`). Firing alerts carry an `endsAt`
 * in the future (`now + validForMs`), which the dispatcher renews before it passes, as
 * Prometheus does; resolved alerts carry their resolution time.
 */
export function alertmanagerPayload(alerts: NotifyAlert[], nowMs: number, validForMs: number) {
  return alerts.map((a) => ({
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAtMs).toISOString(),
    endsAt: new Date(a.endsAtMs ?? nowMs + validForMs).toISOString(),
    generatorURL: a.generatorURL,
  }));
}
