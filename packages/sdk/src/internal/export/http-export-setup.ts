import type { HttpExporterOptions } from '../../HttpExporterOptions.js';
import { withApiKey } from '../api-key.js';

/** Default collector address, the OTLP/HTTP port. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4318';

/**
 * `HttpExporterOptions` with every default applied, for one endpoint path: plain data, so the
 * same setup builds the transport on the caller's thread and in the export worker. Each field
 * means what the option of the same name documents; `url` is the full URL posted to.
 */
export interface HttpExportSetup {
  readonly url: string;
  /** Every request header, content type and encoding included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  readonly timeoutMillis: number;
  readonly initialBackoffMillis: number;
  readonly maxBackoffMillis: number;
  readonly thread: 'main' | 'worker';
  /** CA certificates (PEM) trusted for an https: URL besides Node's. */
  readonly ca?: string;
}

/** Applies the defaults that `HttpExporterOptions` documents; `path` is `/v1/predictions`, `/v1/feedback` or `/v1/traces`. */
export function resolveHttpSetup(path: string, options: HttpExporterOptions = {}, contentType = 'application/x-ndjson'): HttpExportSetup {
  const endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': contentType, ...withApiKey(options.headers, options.apiKey) };
  if (options.project) headers['x-inferlens-project'] = options.project;
  const compression = options.compression === 'gzip' ? 'gzip' : 'none';
  if (compression === 'gzip') headers['content-encoding'] = 'gzip';
  return {
    url: options.url ?? `${endpoint}${path}`,
    headers,
    compression,
    timeoutMillis: positive(options.timeoutMillis, 10_000),
    initialBackoffMillis: positive(options.initialBackoffMillis, 1000),
    maxBackoffMillis: positive(options.maxBackoffMillis, 5000),
    // Anything but 'worker' runs on the caller's thread.
    thread: options.thread === 'worker' ? 'worker' : 'main',
    ...(typeof options.ca === 'string' && options.ca ? { ca: options.ca } : {}),
  };
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}
