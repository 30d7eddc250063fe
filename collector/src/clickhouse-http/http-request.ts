import type { IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { ClickHouseHttpError } from './ClickHouseHttpError.js';

/** Credentials of a request, from whichever of ClickHouse's three ways carried them. */
export interface HttpCredentials {
  /** `basic` (Authorization header), `headers` (X-ClickHouse-User / X-ClickHouse-Key), `url` (user / password parameters), `none` (ClickHouse then uses `default` with no password). */
  via: 'basic' | 'headers' | 'url' | 'none';
  user: string;
  password: string;
}

/** A request to ClickHouse's HTTP interface, decoded: the parts `@clickhouse/client` and Grafana's plugin send. */
export interface ClickHouseHttpRequest {
  method: string;
  /** The SQL of the `query` URL parameter, if any (the body then holds the INSERT's data, or more of the query). */
  urlQuery?: string;
  /** The body, decompressed (`Content-Encoding`). */
  body: Buffer;
  /** `database` parameter or `X-ClickHouse-Database`. */
  database?: string;
  /** `default_format` parameter or `X-ClickHouse-Format`: the output format of a query without a `FORMAT` clause. */
  defaultFormat?: string;
  /** `query_id` parameter or `X-ClickHouse-Query-Id`. */
  queryId?: string;
  /** `param_<name>` parameters: the values of `{name:Type}` placeholders, as text in ClickHouse's escaped form. */
  params: Record<string, string>;
  /** Every other parameter: a setting of this query, in order. */
  settings: Array<[name: string, value: string]>;
  credentials: HttpCredentials;
  /** The response may be compressed with this codec (`enable_http_compression=1` and `Accept-Encoding`). */
  responseEncoding?: 'gzip' | 'deflate' | 'br';
}

/**
 * URL parameters ClickHouse's HTTP handler keeps for itself (`reserved_param_names` in
 * `src/Server/HTTPHandler.cpp`, with `query`, `database`, `default_format` and `role`); every other
 * parameter that is not `param_*` is a setting.
 */
const RESERVED = new Set([
  'query',
  'database',
  'default_format',
  'compress',
  'decompress',
  'user',
  'password',
  'quota_key',
  'query_id',
  'stacktrace',
  'role',
  'buffer_size',
  'wait_end_of_query',
  'session_id',
  'session_timeout',
  'session_check',
  'client_protocol_version',
  'close_session',
]);

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Options of {@link readClickHouseRequest}. */
export interface ReadRequestOptions {
  /** Largest body accepted, compressed and decompressed alike, in bytes. */
  maxBodyBytes: number;
}

/**
 * Reads and decodes a request to the HTTP interface. Throws a {@link ClickHouseHttpError} for
 * what ClickHouse refuses, and for what this interface does not model (sessions, ClickHouse's own
 * block compression, multipart external data), with `NOT_IMPLEMENTED`.
 */
export async function readClickHouseRequest(req: IncomingMessage, options: ReadRequestOptions): Promise<ClickHouseHttpRequest> {
  const url = new URL(req.url ?? '/', 'http://clickhouse');
  const params = url.searchParams;
  const raw = await readBody(req, options.maxBodyBytes);
  for (const name of ['session_id', 'compress', 'decompress'] as const) {
    const v = params.get(name);
    if (v !== null && v !== '' && v !== '0') throw ClickHouseHttpError.of('NOT_IMPLEMENTED', `the parameter ${name} (${name === 'session_id' ? 'sessions' : "ClickHouse's block compression"}) is not supported by this interface`);
  }
  if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
    throw ClickHouseHttpError.of('NOT_IMPLEMENTED', 'multipart requests (external data, multipart query parameters) are not supported by this interface');
  }
  const body = decompress(raw, String(req.headers['content-encoding'] ?? ''), options.maxBodyBytes);
  const queryParams: Record<string, string> = {};
  const settings: Array<[string, string]> = [];
  for (const [key, value] of params) {
    if (key === '' || RESERVED.has(key)) continue;
    if (key.startsWith('param_')) {
      queryParams[key.slice('param_'.length)] = value;
      continue;
    }
    if (!SETTING_NAME.test(key)) throw ClickHouseHttpError.of('UNKNOWN_SETTING', `Unknown setting '${key}'`);
    settings.push([key, value]);
  }
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const compression = settings.find(([k]) => k === 'enable_http_compression')?.[1];
  const responseEncoding = compression === '1' || compression === 'true' ? acceptedEncoding(header('accept-encoding')) : undefined;
  const urlQuery = params.get('query');
  const database = header('x-clickhouse-database') ?? params.get('database') ?? undefined;
  const defaultFormat = header('x-clickhouse-format') ?? params.get('default_format') ?? undefined;
  const queryId = params.get('query_id') ?? header('x-clickhouse-query-id');
  return {
    method: req.method ?? 'GET',
    ...(urlQuery !== null && urlQuery !== '' ? { urlQuery } : {}),
    body,
    ...(database ? { database } : {}),
    ...(defaultFormat ? { defaultFormat } : {}),
    ...(queryId ? { queryId } : {}),
    params: queryParams,
    settings,
    credentials: credentialsOf(req, params),
    ...(responseEncoding ? { responseEncoding } : {}),
  };
}

/** ClickHouse's three ways to send credentials; mixing two is refused, as ClickHouse does. */
function credentialsOf(req: IncomingMessage, params: URLSearchParams): HttpCredentials {
  const headerUser = req.headers['x-clickhouse-user'];
  const headerKey = req.headers['x-clickhouse-key'];
  const authorization = req.headers.authorization;
  const inUrl = params.has('user') || params.has('password');
  const viaHeaders = typeof headerUser === 'string' || typeof headerKey === 'string';
  const schemes = [viaHeaders, authorization !== undefined, inUrl].filter(Boolean).length;
  if (schemes > 1) throw ClickHouseHttpError.of('AUTHENTICATION_FAILED', 'Invalid authentication: it is not allowed to use more than one authentication scheme (headers, Authorization, URL parameters) at once');
  if (viaHeaders) return { via: 'headers', user: String(headerUser ?? 'default'), password: String(headerKey ?? '') };
  if (authorization !== undefined) {
    const m = /^Basic\s+(\S+)$/i.exec(authorization);
    if (!m) throw ClickHouseHttpError.of('AUTHENTICATION_FAILED', 'Invalid authentication: only the Basic scheme of the Authorization header is supported');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return { via: 'basic', user: colon < 0 ? decoded : decoded.slice(0, colon), password: colon < 0 ? '' : decoded.slice(colon + 1) };
  }
  if (inUrl) return { via: 'url', user: params.get('user') ?? 'default', password: params.get('password') ?? '' };
  return { via: 'none', user: 'default', password: '' };
}

/** The first codec of `Accept-Encoding` that the response can use. */
function acceptedEncoding(accept: string | undefined): 'gzip' | 'deflate' | 'br' | undefined {
  for (const part of (accept ?? '').split(',')) {
    const codec = part.trim().split(';')[0]!.toLowerCase();
    if (codec === 'gzip' || codec === 'deflate' || codec === 'br') return codec;
  }
  return undefined;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) {
      req.resume();
      throw ClickHouseHttpError.of('QUERY_IS_TOO_LARGE', `the request body is larger than ${max} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function decompress(body: Buffer, encoding: string, max: number): Buffer {
  const codec = encoding.trim().toLowerCase();
  if (codec === '' || codec === 'identity' || body.length === 0) return body;
  try {
    if (codec === 'gzip' || codec === 'x-gzip') return gunzipSync(body, { maxOutputLength: max });
    if (codec === 'deflate') return inflateSync(body, { maxOutputLength: max });
    if (codec === 'br') return brotliDecompressSync(body, { maxOutputLength: max });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw ClickHouseHttpError.of('QUERY_IS_TOO_LARGE', `the decompressed request body is larger than ${max} bytes`);
    throw ClickHouseHttpError.of('ZLIB_INFLATE_FAILED', `inflate failed: ${(err as Error).message}`);
  }
  throw ClickHouseHttpError.of('UNKNOWN_COMPRESSION_METHOD', `Unknown compression method '${encoding}'`);
}
