import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiKeyRegistry } from '../auth/ApiKeyRegistry.js';
import { RateLimiter } from '../auth/RateLimiter.js';
import { ALL_PROJECTS, boundProject, grants, type Principal } from '../auth/Principal.js';
import { allowedHostsOf, isLoopback, resolveAdminKey, type AuthConfig } from '../config/auth.js';
import { checkHostAndOrigin, checkNotSimpleRequest, HostPolicy } from './auth-host.js';
import { AuthRequiredError, InvalidKeyError, ProjectDeniedError, ScopeDeniedError } from '../errors.js';
import { STORE_PLUGIN } from '../plugins/store-plugin.js';
import { routeAccess } from './auth-routes.js';
import { HTTP_PLUGIN } from './http-plugin.js';
import { headerProject } from './request-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The checked key the request carries; null with authentication off, and on the open routes. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Access control: the mode, the API keys, and every route registered after it (`GET /ui/*`: method and path). */
    auth: { readonly mode: AuthConfig['mode']; readonly keys: ApiKeyRegistry; readonly routes: ReadonlySet<string>; readonly limiter: RateLimiter };
  }
}

/** Options of {@link authPlugin}. */
export interface AuthPluginOptions {
  auth: AuthConfig;
  /** The interface the collector listens on (`host`): what the `Host` header may name, whether to warn. */
  host: string;
}

/** Name under which other plugins declare their dependency on {@link authPlugin}. */
export const AUTH_PLUGIN = 'inferlens-auth';

/** The bearer key of a request: the text after `Bearer ` in `Authorization`; undefined without one. */
function bearerKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const m = /^Bearer +(\S+) *$/i.exec(header);
  // Another scheme, or `Bearer` with nothing or spaces inside: no key, but not "no header" either.
  return m ? m[1]! : '';
}

/** Whether a route's schema (query string or body) declares a `project` property. */
function declaresProject(schema: unknown): boolean {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties !== undefined && Object.hasOwn(properties, 'project');
}

/**
 * A project-bound key's project is the request's: a `project` parameter or body field that names
 * another is refused; one left out is set to the key's, before the schema fills its default.
 */
function bindProject(values: unknown, schema: unknown, project: string, where: string): void {
  if (values === null || typeof values !== 'object' || !declaresProject(schema)) return;
  const record = values as Record<string, unknown>;
  const given = record.project;
  if (given === undefined) {
    record.project = project;
    return;
  }
  for (const v of [given].flat()) {
    if (v !== project) throw new ProjectDeniedError(`${where} project ${JSON.stringify(v)}: this key acts on project ${JSON.stringify(project)} only`);
  }
}

/**
 * Access control, on the root instance before any route (see `docs/security.md`). In every
 * mode, a request must name this collector in `Host` and come from no other site's page
 * (`auth-host.ts`; the probes excepted). With
 * `auth.mode: required`, every request but those of the open routes (probes, the UI's files)
 * must carry `Authorization: Bearer <key>` of a key that is known, not revoked, and holds the
 * route's scope (`auth-routes.ts`); the request then acts as that key (`request.principal`). A
 * key bound to one project acts on that project only: `X-Inferlens-Project` and `project`
 * parameters may name it or nothing, and what a route reads or writes is that project's.
 * The check runs in `onRequest`, so the body of a refused request is never read.
 */
async function auth(app: FastifyInstance, opts: AuthPluginOptions): Promise<void> {
  const mode = opts.auth.mode;
  const keys = new ApiKeyRegistry(app.store, {
    adminKey: resolveAdminKey(opts.auth),
    refreshMs: opts.auth.keyRefreshMs,
    onRefreshError: (err) => app.log.warn({ err }, 'API keys not refreshed from the store; the keys known stay in force'),
  });
  await keys.refresh();
  const routes = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.add(`${method} ${route.url}`);
  });
  app.decorate('auth', { mode, keys, routes, limiter: new RateLimiter(opts.auth.rateLimit) });
  app.decorateRequest('principal', null);

  // In every mode: the Host must name this collector, and no other site's page may call it.
  const hosts = new HostPolicy(opts.host, allowedHostsOf(opts.auth), !isLoopback(opts.host));
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    if (url === '/healthz' || url === '/readyz') return;
    checkHostAndOrigin(request, hosts);
    checkNotSimpleRequest(request);
  });
  if (mode !== 'required') {
    if (!isLoopback(opts.host)) {
      app.log.warn(
        { host: opts.host },
        'auth.mode is off and the collector listens beyond loopback (auth.allowUnauthenticated): anyone who reaches the port can read, write and delete every project\'s data',
      );
    }
    return;
  }

  if (!keys.hasAdminKey) app.log.warn('auth.mode is required and no bootstrap admin key is set (INFERLENS_ADMIN_KEY, auth.adminKeyFile): only keys created before can be used');
  app.addHook('onReady', () => keys.start());
  app.addHook('preClose', () => keys.stop());

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    const access = url === undefined ? undefined : routeAccess(request.method, url);
    if (access?.open) return;
    const key = bearerKey(request);
    if (!key) {
      reply.header('www-authenticate', 'Bearer realm="inferlens"');
      if (key === undefined) throw new AuthRequiredError(`${request.method} ${request.url}: this collector requires an API key; send Authorization: Bearer <key>`);
      throw new InvalidKeyError(`${request.method} ${request.url}: the Authorization header is not "Bearer <key>"`);
    }
    const principal = keys.authenticate(key);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="inferlens", error="invalid_token"');
      throw new InvalidKeyError(`${request.method} ${request.url}: the API key is unknown or revoked`);
    }
    if (access !== undefined && !access.open) {
      if (access.scope !== null && !grants(principal, access.scope)) {
        throw new ScopeDeniedError(`${request.method} ${url}: needs a key with scope ${access.scope}; this key has ${[...principal.scopes].join(', ')}`);
      }
      if (access.allProjects && principal.project !== ALL_PROJECTS) {
        throw new ScopeDeniedError(`${request.method} ${url}: acts on every project; needs a key of project "*", this key is of project ${JSON.stringify(principal.project)}`);
      }
    }
    const bound = boundProject(principal);
    if (bound !== undefined) {
      const named = headerProject(request);
      if (named !== undefined && named !== bound) {
        throw new ProjectDeniedError(`header X-Inferlens-Project ${JSON.stringify(named)}: this key acts on project ${JSON.stringify(bound)} only`);
      }
    }
    request.principal = principal;
  });

  app.addHook('preValidation', async (request) => {
    const bound = boundProject(request.principal);
    if (bound === undefined) return;
    const schema = request.routeOptions.schema;
    bindProject(request.query, schema?.querystring, bound, 'query parameter');
    bindProject(request.body, schema?.body, bound, 'body field');
  });
}

/**
 * Access control as a plugin of the root instance (see {@link auth}): register it after the HTTP
 * layer and the store, before any route.
 */
export const authPlugin = fp(auth, { name: AUTH_PLUGIN, fastify: '5.x', dependencies: [HTTP_PLUGIN, STORE_PLUGIN], decorators: { fastify: ['store'] } });
