import { readFileSync } from 'node:fs';
import type { Static } from 'typebox';
import { ConfigError } from '../errors.js';
import { Section, Text } from './setting.js';

/** `tls:`: HTTPS on the collector's port, optionally with client certificates (see [Security](security.md)). */
export const TlsSection = Section(
  {
    certFile: Text({
      env: 'INFERLENS_TLS_CERT_FILE',
      default: '',
      description: "the server's certificate chain (PEM); with `tls.keyFile`, the collector serves HTTPS only (see [Security](security.md#tls)); empty: plain HTTP",
    }),
    keyFile: Text({ env: 'INFERLENS_TLS_KEY_FILE', default: '', description: "the certificate's private key (PEM)" }),
    caFile: Text({
      env: 'INFERLENS_TLS_CA_FILE',
      default: '',
      description: 'CA certificates (PEM): when set, every client must present a certificate they signed (mutual TLS), the probes included; empty: no client certificate asked',
    }),
  },
  'HTTPS and client certificates',
);

/** The `tls:` settings. */
export type TlsConfig = Static<typeof TlsSection>;

/** What `node:https` takes: the files read. */
export interface TlsServerOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

function read(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`config error: ${setting}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The HTTPS options of `tls:`, or undefined for plain HTTP.
 * @throws ConfigError when only one of the certificate and its key is set, or a file cannot be read
 */
export function tlsServerOptions(tls: TlsConfig): TlsServerOptions | undefined {
  if (!tls.certFile && !tls.keyFile) {
    if (tls.caFile) throw new ConfigError('config error: tls.caFile is set without tls.certFile and tls.keyFile; client certificates need HTTPS');
    return undefined;
  }
  if (!tls.certFile || !tls.keyFile) throw new ConfigError(`config error: tls.${tls.certFile ? 'keyFile' : 'certFile'} is missing: HTTPS needs both tls.certFile and tls.keyFile`);
  const options: TlsServerOptions = { cert: read('tls.certFile', tls.certFile), key: read('tls.keyFile', tls.keyFile), requestCert: false, rejectUnauthorized: false };
  if (tls.caFile) Object.assign(options, { ca: read('tls.caFile', tls.caFile), requestCert: true, rejectUnauthorized: true });
  return options;
}
