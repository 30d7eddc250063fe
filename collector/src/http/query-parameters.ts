import type { FastifyError, FastifyInstance, FastifyRequest, preHandlerHookHandler, RouteOptions } from 'fastify';
import { RequestInvalidError } from '../errors.js';

/*
 * Query-string and path parameters that fail their schema get a 400 naming the parameter, what
 * it expects and what it got. Ajv coerces them from text (Fastify's `coerceTypes: 'array'`), and
 * its coercion has a hole (ajv#2212, fastify#6718, unfixed in ajv 8.20): a string such as
 * `Infinity` or `1e400` equals its own `+value`, so it is coerced to a non-finite number without
 * the finiteness check that `strictNumbers` applies to real numbers, and the range keywords
 * (`minimum`, `maximum`) skip non-finite numbers. So `limit=Infinity` passed a schema of
 * `integer, 1..10000` and failed later in the store. `refuseNonFiniteParameters` closes the hole
 * for every route at once: after validation, a parameter holding a non-finite number can only
 * have come from that coercion.
 */

/** The part of a request a parameter comes from, as Fastify names it in `validationContext`. */
type ParameterPart = 'querystring' | 'params';

interface ParameterSchema {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  const?: unknown;
  anyOf?: ParameterSchema[];
  properties?: Record<string, ParameterSchema>;
}

/** What a parameter's schema expects, in words: `an integer from 1 to 10000`, `one of "sent", "failed"`. */
export function describeExpected(schema: ParameterSchema | undefined): string {
  if (!schema) return 'a valid value';
  if (schema.anyOf && schema.anyOf.every((s) => s.const !== undefined)) {
    return `one of ${schema.anyOf.map((s) => JSON.stringify(s.const)).join(', ')}`;
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'integer' || type === 'number') {
    const noun = type === 'integer' ? 'an integer' : 'a finite number';
    if (schema.minimum !== undefined && schema.maximum !== undefined) return `${noun} from ${schema.minimum} to ${schema.maximum}`;
    const bounds: string[] = [];
    if (schema.exclusiveMinimum !== undefined) bounds.push(`above ${schema.exclusiveMinimum}`);
    else if (schema.minimum !== undefined) bounds.push(`at least ${schema.minimum}`);
    if (schema.exclusiveMaximum !== undefined) bounds.push(`below ${schema.exclusiveMaximum}`);
    else if (schema.maximum !== undefined) bounds.push(`at most ${schema.maximum}`);
    return bounds.length > 0 ? `${noun} ${bounds.join(' and ')}` : noun;
  }
  if (type === 'boolean') return 'true or false';
  if (type === 'string') {
    if (schema.pattern !== undefined) return `text matching ${schema.pattern}`;
    if (schema.maxLength !== undefined) {
      return schema.minLength ? `text of ${schema.minLength} to ${schema.maxLength} characters` : `text of at most ${schema.maxLength} characters`;
    }
    return 'text';
  }
  return type === undefined ? 'a valid value' : `a value of type ${type}`;
}

/** The parameter's values as sent (the raw query string, not Ajv's coerced copy); undefined when absent. */
function sentValues(request: FastifyRequest, part: ParameterPart, name: string): string[] | undefined {
  if (part === 'params') {
    const v = (request.params as Record<string, unknown> | undefined)?.[name];
    return v === undefined ? undefined : [String(v)];
  }
  const q = request.url.indexOf('?');
  const values = q < 0 ? [] : new URLSearchParams(request.url.slice(q + 1)).getAll(name);
  return values.length === 0 ? undefined : values;
}

/** A value as the messages quote it: JSON, its first 60 characters when longer. */
function quoted(value: string): string {
  return value.length > 64 ? `${JSON.stringify(value.slice(0, 60))}...` : JSON.stringify(value);
}

/** `query parameter limit: expected an integer from 1 to 10000, got "Infinity"`. */
export function parameterMessage(request: FastifyRequest, part: ParameterPart, name: string): string {
  const schema = (request.routeOptions.schema?.[part] as ParameterSchema | undefined)?.properties?.[name];
  const sent = sentValues(request, part, name);
  const got = sent === undefined ? 'it is missing' : `got ${sent.map(quoted).join(', ')}`;
  return `${part === 'params' ? 'path' : 'query'} parameter ${name}: expected ${describeExpected(schema)}, ${got}`;
}

/**
 * The message of a Fastify schema validation error: for a query-string or path parameter, what
 * {@link parameterMessage} says; otherwise Ajv's own (`body/model must be string`).
 */
export function validationMessage(err: FastifyError, request: FastifyRequest): string {
  const first = err.validation?.[0];
  const part = err.validationContext;
  if (first && (part === 'querystring' || part === 'params')) {
    const missing = (first.params as { missingProperty?: unknown }).missingProperty;
    const name = typeof missing === 'string' ? missing : first.instancePath.split('/')[1];
    if (name) return parameterMessage(request, part, name);
  }
  return err.message;
}

/** True when `value` (a validated parameter: a value or an array of values) holds a non-finite number. */
function nonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  return Array.isArray(value) && value.some((v) => typeof v === 'number' && !Number.isFinite(v));
}

const refuseNonFinite: preHandlerHookHandler = (request, _reply, done) => {
  for (const part of ['querystring', 'params'] as const) {
    const values = (part === 'querystring' ? request.query : request.params) as Record<string, unknown> | undefined;
    if (!values) continue;
    for (const name of Object.keys(values)) {
      if (nonFinite(values[name])) {
        done(new RequestInvalidError(parameterMessage(request, part, name)));
        return;
      }
    }
  }
  done();
};

/**
 * Makes every route declared after this call (with a query-string or path schema) answer 400
 * for a parameter that Ajv coerced to `Infinity`, `-Infinity` (`Infinity`, `1e400`, `-1e999`),
 * instead of handing it to the handler (see the note at the top of this file). Routes without
 * such a schema (the receivers) get no hook.
 */
export function refuseNonFiniteParameters(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.schema?.querystring && !route.schema?.params) return;
    const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [refuseNonFinite, ...own];
  });
}
