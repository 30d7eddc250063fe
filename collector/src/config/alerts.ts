import type { Static } from 'typebox';
import { Count, Section, Text } from './setting.js';

/** `alerts:`: the rules file and how alerts are evaluated and re-sent. */
export const AlertsSection = Section(
  {
    rulesFile: Text({
      env: 'INFERLENS_ALERTS_RULES_FILE',
      flag: 'alert-rules',
      default: '',
      description: 'alert rules and receivers (YAML), reloaded on SIGHUP and `POST /api/v1/rules/reload`; empty: no alerting; see [Alerts](alerts.md)',
    }),
    evaluationIntervalMs: Count({ env: 'INFERLENS_ALERTS_EVALUATION_INTERVAL_MS', default: 15_000, description: 'how often traffic rules (`source: traffic`) are evaluated, in milliseconds' }),
    resendDelayMs: Count({ env: 'INFERLENS_ALERTS_RESEND_DELAY_MS', default: 60_000, description: 'how often firing alerts are re-sent to Alertmanager receivers, in milliseconds (`endsAt` = 4 × this ahead)' }),
    externalUrl: Text({
      env: 'INFERLENS_ALERTS_EXTERNAL_URL',
      default: '',
      description: "the collector's URL as users reach it, base of `generatorURL` and the webhook's `externalURL`; empty: `http://<host>:<port>`",
    }),
  },
  'alerting',
);

/** Alerting: the rules file and evaluation settings. */
export type AlertsConfig = Static<typeof AlertsSection>;
