import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { ChdbHttpExecutor, ExecutionPolicy } from './ChdbHttpExecutor.js';
import { ClickHouseHttpError } from './ClickHouseHttpError.js';
import { readClickHouseRequest, type ClickHouseHttpRequest } from './http-request.js';

/** Options of {@link clickHouseHttpHandler}. */
export interface ClickHouseHttpHandlerOptions {
  executor: ChdbHttpExecutor;
  /** The one user and password accepted; absent: every request runs as `default`, credentials unchecked. */
  user?: { username: string; password: string };
  /** What the deployment allows (see {@link ExecutionPolicy}). */
  policy?: ExecutionPolicy;
  /** Largest request body, compressed or not, in bytes. */
  maxBodyBytes: number;
  /** The engine's `version()`, for error messages. */
  version: string;
  /** The engine's `timezone()`, for `X-ClickHouse-Timezone`. */
  timezone: string;
  /** `X-ClickHouse-Server-Display-Name`. @default 'inferlens' */
  displayName?: string;
  /** Called with each request's outcome (logging). */
  onRequest?: (event: { request?: ClickHouseHttpRequest; status: number; error?: ClickHouseHttpError; ms: number }) => void;
}

/** ClickHouse's idle keep-alive timeout, in seconds, sent in `Keep-Alive` (the server must keep sockets at least that long). */
export const KEEP_ALIVE_SECONDS = 10;

/** `Content-Type` of an output format, as ClickHouse sends it. */
function contentType(format: string): string {
  if (/^JSON(Compact)?(Strings)?EachRow/.test(format) || format === 'JSONLines' || format === 'NDJSON') return 'application/x-ndjson; charset=UTF-8';
  if (format.startsWith('JSON')) return 'application/json; charset=UTF-8';
  if (/^(TabSeparated|TSV)/.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (format.startsWith('CSV')) return 'text/csv; charset=UTF-8; header=absent';
  if (/^(RowBinary|Native|Parquet|Arrow|ORC|Avro|MsgPack|Protobuf)/.test(format)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

/**
 * A Node request handler speaking the part of ClickHouse's HTTP interface that
 * `@clickhouse/client` and Grafana's ClickHouse plugin use, over {@link ChdbHttpExecutor}:
 * `/ping`, `GET /` (`Ok.`), and queries by `GET` (read-only) or `POST` with the query in the URL
 * or the body, `param_*`, `database`, settings, `default_format`, gzip/deflate/br both ways, the
 * `X-ClickHouse-*` headers and ClickHouse's error answers (`X-ClickHouse-Exception-Code`, the
 * `Code: N. DB::Exception: ...` body, the status its error code maps to).
 */
export function clickHouseHttpHandler(options: ClickHouseHttpHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const display = options.displayName ?? 'inferlens';
  return (req, res) => {
    const started = Date.now();
    const path = new URL(req.url ?? '/', 'http://clickhouse').pathname;
    const common = { 'X-ClickHouse-Server-Display-Name': display, 'Keep-Alive': `timeout=${KEEP_ALIVE_SECONDS}` };
    if ((path === '/ping' || path === '/replicas_status') && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { ...common, 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    let request: ClickHouseHttpRequest | undefined;
    const fail = (error: ClickHouseHttpError) => {
      const status = error.status;
      const headers: Record<string, string> = { ...common, 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(error.code) };
      if (error.type === 'REQUIRED_PASSWORD') headers['WWW-Authenticate'] = 'Basic realm="ClickHouse server HTTP API"';
      if (request?.queryId) headers['X-ClickHouse-Query-Id'] = request.queryId;
      if (!res.headersSent) res.writeHead(status, headers).end(error.body(options.version));
      else res.end();
      options.onRequest?.({ ...(request ? { request } : {}), status, error, ms: Date.now() - started });
    };
    if (path !== '/') {
      // As ClickHouse's NotFoundHandler: a plain 404, no exception code. The body is drained so the socket serves the next request.
      req.resume();
      res.writeHead(404, { ...common, 'Content-Type': 'text/plain; charset=UTF-8' }).end(`There is no handle ${path}\n\nUse / or /ping for health checks.\n`);
      options.onRequest?.({ status: 404, ms: Date.now() - started });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
      req.resume();
      fail(ClickHouseHttpError.of('NOT_IMPLEMENTED', `HTTP method ${req.method} is not supported`));
      return;
    }
    void (async () => {
      try {
        request = await readClickHouseRequest(req, { maxBodyBytes: options.maxBodyBytes });
        authenticate(request, options.user);
        if (request.urlQuery === undefined && request.body.length === 0) {
          res.writeHead(200, { ...common, 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
          return;
        }
        const result = await options.executor.execute(request, options.policy);
        const headers: Record<string, string> = {
          ...common,
          'Content-Type': contentType(result.format),
          'X-ClickHouse-Query-Id': result.queryId,
          'X-ClickHouse-Format': result.format,
          'X-ClickHouse-Timezone': options.timezone,
          'X-ClickHouse-Summary': JSON.stringify(result.summary),
        };
        let body = result.body;
        if (request.responseEncoding && body.length > 0) {
          headers['Content-Encoding'] = request.responseEncoding;
          body = request.responseEncoding === 'gzip' ? gzipSync(body) : request.responseEncoding === 'deflate' ? deflateSync(body) : brotliCompressSync(body);
        }
        headers['Content-Length'] = String(body.length);
        res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
        options.onRequest?.({ request, status: 200, ms: Date.now() - started });
      } catch (err) {
        fail(ClickHouseHttpError.fromEngine(err));
      }
    })();
  };
}

/** Checks the request's credentials against the one user; none configured accepts anyone. */
function authenticate(request: ClickHouseHttpRequest, user: ClickHouseHttpHandlerOptions['user']): void {
  if (!user) return;
  const given = request.credentials;
  if (given.via === 'none') throw ClickHouseHttpError.of('REQUIRED_PASSWORD', `${user.username}: Authentication failed: password is required`);
  if (!(sameText(given.user, user.username) && sameText(given.password, user.password))) {
    throw ClickHouseHttpError.of('AUTHENTICATION_FAILED', `${given.user}: Authentication failed: password is incorrect, or there is no user with such name`);
  }
}

/** Compares two secrets in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
