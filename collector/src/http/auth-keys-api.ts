import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ALL_PROJECTS, boundProject, SCOPES } from '../auth/Principal.js';
import { NotFoundError, RequestInvalidError } from '../errors.js';

const NewKey = Type.Object({
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'the one project the key acts on, or "*" for every project' })),
  scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
  name: Type.String({ minLength: 1, maxLength: 256, description: 'what the key is for; listed, never secret' }),
  rateLimit: Type.Optional(
    Type.Object(
      {
        recordsPerSecond: Type.Integer({ minimum: 1, maximum: 0xffff_ffff }),
        burst: Type.Optional(Type.Integer({ minimum: 1, maximum: 0xffff_ffff })),
      },
      { additionalProperties: false },
    ),
  ),
}, { additionalProperties: false });

const KeyParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) });

/**
 * `GET /api/v1/whoami` (any key): the authentication mode and the request's key, its project and
 * scopes (project `*` and every scope with authentication off).
 * The API keys (`admin` scope): `POST /api/v1/keys` creates one (`{ project, scopes, name }` →
 * `{ id, key, ... }`; the key is in this answer only), `GET /api/v1/keys` lists them without
 * secrets, `DELETE /api/v1/keys/:id` revokes one, refused from then on (by every collector on the
 * same store within `auth.keyRefreshMs`). An admin key of one project manages that project's
 * keys only; a key of another project is "not found" to it.
 */
export async function keysApiPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const keys = app.auth.keys;

  // Who the request acts as: the UI asks it first, to learn whether a key is needed and its project.
  api.get('/api/v1/whoami', async (request) => {
    const p = request.principal;
    return {
      authMode: app.auth.mode,
      keyId: p?.keyId ?? null,
      project: p?.project ?? ALL_PROJECTS,
      scopes: p ? SCOPES.filter((s) => p.scopes.has(s)) : [...SCOPES],
    };
  });

  api.post('/api/v1/keys', { schema: { body: NewKey } }, async (request) => {
    const b = request.body;
    // A project-bound admin's body names its project or nothing (the auth hook set it); the others name one.
    if (b.project === undefined) throw new RequestInvalidError(`body field project: name the project the key acts on, or "${ALL_PROJECTS}" for every project`);
    const rateLimit = b.rateLimit && { recordsPerSecond: b.rateLimit.recordsPerSecond, burst: b.rateLimit.burst ?? b.rateLimit.recordsPerSecond };
    const { info, key } = await keys.create({ project: b.project, scopes: b.scopes, name: b.name, rateLimit }, request.principal?.keyId ?? '');
    request.log.info({ keyId: info.id, project: info.project, scopes: info.scopes, by: request.principal?.keyId ?? null }, 'API key created');
    await app.audit(request, { action: 'key.created', project: info.project, target: info.id, details: { name: info.name, scopes: info.scopes.join(',') } });
    return { ...info, key };
  });

  api.get('/api/v1/keys', async (request) => {
    await keys.refresh();
    return { keys: keys.list(boundProject(request.principal)) };
  });

  api.delete('/api/v1/keys/:id', { schema: { params: KeyParams } }, async (request) => {
    await keys.refresh();
    const revoked = await keys.revoke(request.params.id, boundProject(request.principal));
    if (!revoked) throw new NotFoundError(`no API key ${request.params.id}`);
    request.log.info({ keyId: revoked.id, project: revoked.project, by: request.principal?.keyId ?? null }, 'API key revoked');
    await app.audit(request, { action: 'key.revoked', project: revoked.project, target: revoked.id, details: { name: revoked.name } });
    return revoked;
  });
}
