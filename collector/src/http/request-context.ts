import type { FastifyRequest } from 'fastify';
import { DEFAULT_RECORD_LIMITS } from '@inferlens/semconv';
import { BadProjectHeaderError } from '../errors.js';
import { boundProject } from '../auth/Principal.js';

/** Header naming the project of every record in a request. */
export const PROJECT_HEADER = 'x-inferlens-project';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request's project: its key's, when the key is bound to one project (the authentication hook
 * has refused a header naming another); else the `X-Inferlens-Project` header; else `default`.
 *
 * @throws BadProjectHeaderError as {@link headerProject} does.
 */
export function projectOf(request: FastifyRequest): string {
  return boundProject(request.principal) ?? headerProject(request) ?? 'default';
}

/**
 * The project the `X-Inferlens-Project` header names, or undefined when it is absent or blank.
 * The header's bytes are read as UTF-8 (Node hands them over as Latin-1), so
 * `X-Inferlens-Project: café` names the same project as `?project=café` on the read API.
 *
 * @throws BadProjectHeaderError (`INGEST_BAD_PROJECT_HEADER`) when the header is sent more than
 *   once (Node would join the values into `a, b`), is not UTF-8, or is longer than a
 *   record's `project` may be. Nothing is silently truncated or merged.
 */
export function headerProject(request: FastifyRequest): string | undefined {
  const raw = request.raw.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === PROJECT_HEADER) seen++;
  if (seen > 1) {
    throw new BadProjectHeaderError(`header X-Inferlens-Project is sent ${seen} times; send it once`);
  }
  const h = request.headers[PROJECT_HEADER];
  const v = Array.isArray(h) ? h[0] : h;
  if (!v || !v.trim()) return undefined;
  let project: string;
  try {
    project = utf8.decode(Buffer.from(v, 'latin1')).trim();
  } catch {
    throw new BadProjectHeaderError('header X-Inferlens-Project is not valid UTF-8; send the project name as UTF-8');
  }
  const max = DEFAULT_RECORD_LIMITS.maxNameLength;
  if (project.length > max) {
    throw new BadProjectHeaderError(
      `header X-Inferlens-Project is ${project.length} characters long; a project name has at most ${max}`,
    );
  }
  return project;
}

/**
 * The projects of an ingestion request: `project`, where records that name none are stored (a
 * bound key's project, else the `X-Inferlens-Project` header's, else undefined: they keep
 * `default`), and `only`, the one project records may name (a bound key's; undefined: any).
 */
export function ingestProjects(request: FastifyRequest): { project: string | undefined; only: string | undefined } {
  const bound = boundProject(request.principal);
  if (bound !== undefined) return { project: bound, only: bound };
  return { project: request.headers[PROJECT_HEADER] ? projectOf(request) : undefined, only: undefined };
}

/** Current time in Unix nanoseconds (millisecond resolution). */
export function nowUnixNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
