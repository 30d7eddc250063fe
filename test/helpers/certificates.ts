import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A test CA and what it signed: file paths, and the PEM text of the CA certificate. */
export interface TestCertificates {
  caFile: string;
  caPem: string;
  /** The server's certificate (for `localhost` and 127.0.0.1) and key. */
  serverCert: string;
  serverKey: string;
  /** A client certificate and key, for mutual TLS. */
  clientCert: string;
  clientKey: string;
  /** A second CA, which signed nothing the collector trusts. */
  otherCaFile: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Makes a CA, a server certificate for `localhost` / 127.0.0.1 and a client certificate in
 * `dir`, with the openssl command (Debian's `openssl` package), valid from now for a day.
 * EC P-256 keys: quick to make.
 */
export function makeCertificates(dir: string): TestCertificates {
  const key = (name: string) => openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
  const selfSigned = (name: string) => {
    key(name);
    openssl(dir, ['req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=${name}`]);
  };
  const signed = (name: string, ext: string) => {
    key(name);
    openssl(dir, ['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`]);
  };
  selfSigned('ca');
  selfSigned('other-ca');
  signed('server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed('client', 'extendedKeyUsage=clientAuth\n');
  const p = (f: string) => join(dir, f);
  return {
    caFile: p('ca.pem'),
    caPem: readFileSync(p('ca.pem'), 'utf8'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    otherCaFile: p('other-ca.pem'),
  };
}
