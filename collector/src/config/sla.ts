import type { Static } from 'typebox';
import { Count, Section } from './setting.js';

/** `sla:`: the SLA job's windows; each setting left out takes the drift job's. */
export const SlaSection = Section(
  {
    windowSeconds: Count({ env: 'INFERLENS_SLA_WINDOW_SECONDS', minimum: 60, maximum: 86_400, defaultFrom: 'drift.windowSeconds', description: 'SLA window length in seconds (event time)' }),
    allowedLatenessSeconds: Count({ env: 'INFERLENS_SLA_ALLOWED_LATENESS_SECONDS', defaultFrom: 'drift.allowedLatenessSeconds', description: 'how long an SLA window waits for late events, in seconds' }),
    intervalMs: Count({ env: 'INFERLENS_SLA_INTERVAL_MS', defaultFrom: 'drift.intervalMs', description: 'how often the SLA job closes ready windows, in milliseconds' }),
    idleTimeoutSeconds: Count({ env: 'INFERLENS_SLA_IDLE_TIMEOUT_SECONDS', defaultFrom: 'drift.idleTimeoutSeconds', description: 'idle timeout of SLA windows, in seconds' }),
  },
  "the SLA job; each setting left out takes the drift job's",
);

/** Settings of the SLA job. */
export type SlaJobConfig = Static<typeof SlaSection>;
