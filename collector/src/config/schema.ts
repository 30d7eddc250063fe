import Type, { type Static } from 'typebox';
import { AlertsSection } from './alerts.js';
import { AuthSection } from './auth.js';
import { BatchSection } from './batch.js';
import { ClickHouseSection } from './clickhouse.js';
import { ClickHouseHttpSection } from './clickhouse-http.js';
import { DriftSection } from './drift.js';
import { LimitsSection } from './limits.js';
import type { QualityJobConfig } from './quality.js';
import { QualitySection } from './quality.js';
import { JobsLeaseSection, Role } from './role.js';
import { DataDir, Host, LogLevel, Port } from './server.js';
import { SegmentsSection } from './segments.js';
import { SlaSection } from './sla.js';
import type { SloConfig } from './slos.js';
import { SlosList } from './slos.js';
import { TlsSection } from './tls.js';
import { RedactionSection } from './redaction.js';

/**
 * The collector's configuration file, one line per section, in the order `--help`, the table of
 * docs/configuration.md and the "known keys" of an error list them. A new section is a module that exports a
 * `Section(...)` and one line here; its keys then load from the file, their environment
 * variables and flags, and appear in `--help` and docs/configuration.md.
 */
export const CollectorConfigSchema = Type.Object(
  {
    host: Host,
    port: Port,
    role: Role,
    dataDir: DataDir,
    clickhouse: ClickHouseSection,
    clickhouseHttp: ClickHouseHttpSection,
    limits: LimitsSection,
    batch: BatchSection,
    drift: DriftSection,
    sla: SlaSection,
    quality: QualitySection,
    segments: SegmentsSection,
    alerts: AlertsSection,
    jobsLease: JobsLeaseSection,
    auth: AuthSection,
    tls: TlsSection,
    redaction: RedactionSection,
    logLevel: LogLevel,
    slos: SlosList,
  },
  { additionalProperties: false },
);

/** The configuration file as the schema checks it, defaults filled, before the lists are read. */
export type ConfigFile = Static<typeof CollectorConfigSchema>;

/**
 * The collector's whole configuration, resolved: every key from the flag, the `INFERLENS_*`
 * variable, the YAML file or the default, lists read into what the jobs use.
 */
export type CollectorConfig = Omit<ConfigFile, 'slos' | 'quality'> & { slos: SloConfig[]; quality: QualityJobConfig };
