import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ALL_PROJECTS, boundProject } from '../auth/Principal.js';
import { parseTimeParam } from '../api/read-plugin.js';
import { STORE_PLUGIN } from '../plugins/store-plugin.js';
import { readAuditLog, writeAuditEntry } from '../store/repositories/audit-log.js';

/** The actions the audit log records. */
export const AUDIT_ACTIONS = [
  'key.created',
  'key.revoked',
  'reference.uploaded',
  'reference.replaced',
  'reference.pinned',
  'reference.deleted',
  'rules.reloaded',
  'job.run',
  'config.loaded',
] as const;

/** One of {@link AUDIT_ACTIONS}. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an entry says beyond who, when and from where. */
export interface AuditFields {
  action: AuditAction;
  /** The project acted on, or `*` for the whole collector. */
  project: string;
  /** What was acted on: a key id, `model/version`, a file, a job. */
  target: string;
  /** The rest, by name; never a key or a secret. */
  details?: Record<string, string>;
}

/** Key id of the entries the collector writes itself (the configuration loaded at start). */
export const COLLECTOR_ACTOR = 'collector';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Records what `request`'s caller did (its key id and address; `null`: the collector itself);
     * resolves once the entry is stored.
     */
    audit(request: FastifyRequest | null, fields: AuditFields): Promise<void>;
  }
}

/** Name under which other plugins declare their dependency on {@link auditPlugin}. */
export const AUDIT_PLUGIN = 'inferlens-audit';

const AuditQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO-8601 time or Unix milliseconds; inclusive; default 30 days ago' })),
  to: Type.Optional(Type.String({ description: 'ISO-8601 time or Unix milliseconds; exclusive; default now + 1 minute' })),
  action: Type.Optional(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)))),
  project: Type.Optional(Type.String({ maxLength: 256 })),
  limit: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }),
});

/**
 * The audit log (`audit_log`): `app.audit(request, fields)` records an action that changed
 * something, awaited by the route before it answers (an action is acknowledged with its entry
 * stored); `GET /api/v1/audit` (`admin`) reads it, newest first: a key of one project sees that
 * project's entries, a key of `*` every entry (or one project's with `project=`).
 */
async function audit(app: FastifyInstance): Promise<void> {
  app.decorate('audit', async (request: FastifyRequest | null, fields: AuditFields) => {
    await writeAuditEntry(app.store, {
      Time: Date.now(),
      KeyId: request ? (request.principal?.keyId ?? '') : COLLECTOR_ACTOR,
      Project: fields.project,
      Action: fields.action,
      Target: fields.target,
      Details: fields.details ?? {},
      Address: request?.ip ?? '',
    });
  });

  app.withTypeProvider<TypeBoxTypeProvider>().get('/api/v1/audit', { schema: { querystring: AuditQuery } }, async (request) => {
    const q = request.query;
    const now = Date.now();
    const ms = (name: string, value: string | undefined, fallback: number) => {
      const ns = parseTimeParam(name, value);
      return ns === undefined ? fallback : Number(BigInt(ns) / 1_000_000n);
    };
    // A key of one project: that project (the auth hook refused any other `project=`).
    const bound = boundProject(request.principal);
    const project = bound ?? (q.project === undefined || q.project === ALL_PROJECTS ? undefined : q.project);
    const entries = await readAuditLog(app.store, { project, from: ms('from', q.from, now - 30 * 86_400_000), to: ms('to', q.to, now + 60_000), action: q.action, limit: q.limit });
    return { entries };
  });
}

/** The audit log as a plugin of the root instance (see {@link audit}): decorates it with `audit`. */
export const auditPlugin = fp(audit, { name: AUDIT_PLUGIN, dependencies: [STORE_PLUGIN] });
