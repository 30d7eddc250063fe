import type { Scope } from '../auth/Principal.js';

/**
 * What a route needs when `auth.mode` is `required`: nothing (`open`: the probes and the UI's
 * own files, which hold no data), or a valid key with a scope (`null`: any key); `allProjects`
 * routes act on, or show, what belongs to no one project (the rules file, notification
 * deliveries), so they need a key of project `*`.
 */
export type RouteAccess = { readonly open: true } | { readonly open?: false; readonly scope: Scope | null; readonly allProjects?: boolean };

const OPEN: RouteAccess = { open: true };
const INGEST: RouteAccess = { scope: 'ingest' };
const READ: RouteAccess = { scope: 'read' };
const ADMIN: RouteAccess = { scope: 'admin' };

/**
 * Every route of the collector by method (HEAD as GET) and path as Fastify declares it. The one
 * place that says who may call what; `auth-routes.test.ts` checks that every route the collector
 * registers is here, and a route missing from it needs an admin key of project `*` (closed, not open,
 * by default).
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /healthz': OPEN,
  'GET /readyz': OPEN,
  'GET /': OPEN,
  'GET /ui': OPEN,
  'GET /ui/*': OPEN,
  'GET /ui/vendor/uplot/*': OPEN,

  'GET /api/v1/whoami': { scope: null },
  // The collector's own metrics: collector-wide, so a key of every project (Prometheus sends it as `authorization.credentials`).
  'GET /metrics': { scope: 'read', allProjects: true },

  'POST /v1/traces': INGEST,
  'POST /v1/logs': INGEST,
  'POST /v1/metrics': INGEST,
  'POST /v1/predictions': INGEST,
  'POST /v1/feedback': INGEST,

  'GET /api/v1/predictions': READ,
  'GET /api/v1/logs': READ,
  'GET /api/v1/traces/:traceId': READ,
  'GET /api/v1/traces/:traceId/predictions': READ,
  'GET /api/v1/feedback': READ,
  'GET /api/v1/projects': READ,
  'GET /api/v1/models': READ,
  'GET /api/v1/timeseries': READ,
  'GET /api/v1/activity': READ,
  'GET /api/v1/distributions': READ,
  'GET /api/v1/drift': READ,
  'GET /api/v1/data-quality': READ,
  'GET /api/v1/sla': READ,
  'GET /api/v1/quality': READ,
  'GET /api/v1/segments': READ,
  'GET /api/v1/compare': READ,
  'GET /api/v1/references': READ,
  'GET /api/v1/jobs': READ,
  'GET /api/v1/alerts': READ,
  'GET /api/v1/alerts/history': READ,
  'GET /api/v1/alerts/notifications': { scope: 'read', allProjects: true },
  'GET /api/v1/rules': { scope: 'read', allProjects: true },

  'POST /v1/references': ADMIN,
  'POST /api/v1/references/pin': ADMIN,
  'DELETE /api/v1/references': ADMIN,
  'POST /api/v1/jobs/drift/run': ADMIN,
  'POST /api/v1/jobs/sla/run': ADMIN,
  'POST /api/v1/jobs/quality/run': ADMIN,
  'POST /api/v1/rules/reload': { scope: 'admin', allProjects: true },
  'POST /api/v1/keys': ADMIN,
  'GET /api/v1/keys': ADMIN,
  'GET /api/v1/audit': ADMIN,
  'DELETE /api/v1/keys/:id': ADMIN,
};

/** A route missing from {@link ROUTE_ACCESS}: an admin key of every project. */
export const UNLISTED_ROUTE: RouteAccess = { scope: 'admin', allProjects: true };

/** The access rule of a route. */
export function routeAccess(method: string, url: string): RouteAccess {
  return ROUTE_ACCESS[`${method === 'HEAD' ? 'GET' : method} ${url}`] ?? UNLISTED_ROUTE;
}
