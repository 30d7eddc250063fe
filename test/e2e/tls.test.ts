import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor } from '@inferlens/sdk';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { COLLECTOR_CLI, httpsStatus, removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// The collector over HTTPS (tls.certFile, tls.keyFile), and with client certificates required
// (tls.caFile), with certificates made by openssl at test time: the SDK trusting the CA with
// `ca`, the `inferlens keys` CLI with --ca-file, clients that do not trust the CA or send no
// client certificate refused in the handshake, plain HTTP not served.

const ADMIN = 'tls-bootstrap-admin-key-0123456789';
const INFERLENS_CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../collector/dist/inferlens-cli.js');

type AnyJson = Record<string, any>;

/** A JSON request over HTTPS with the given TLS client options; the error's code when the connection fails. */
function httpsJson(url: string, tls: Record<string, unknown>, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: AnyJson } | { error: string }> {
  return new Promise((done) => {
    const req = httpsRequest(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...tls }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as AnyJson) : {} }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    req.end(init.body);
  });
}

describe('TLS', () => {
  let certDir: string;
  let certs: TestCertificates;
  const dirs: string[] = [];
  const procs: CollectorProcess[] = [];
  const dir = () => {
    const d = tempDataDir('inferlens-tls-data-');
    dirs.push(d);
    return d;
  };

  beforeAll(() => {
    certDir = tempDataDir('inferlens-tls-certs-');
    certs = makeCertificates(certDir);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const d of [...dirs, certDir]) removeDir(d);
  });

  it('serves HTTPS with tls.certFile and tls.keyFile: the SDK trusting the CA delivers, the CLI manages keys, an untrusting client is refused', async () => {
    const c = await startCollector({
      dataDir: dir(),
      env: { INFERLENS_AUTH_MODE: 'required', INFERLENS_ADMIN_KEY: ADMIN, INFERLENS_TLS_CERT_FILE: certs.serverCert, INFERLENS_TLS_KEY_FILE: certs.serverKey },
      tls: { ca: certs.caPem },
    });
    procs.push(c);
    expect(c.url).toMatch(/^https:/);
    const listening = c.output.map((l) => { try { return JSON.parse(l) as AnyJson; } catch { return {}; } }).find((l) => l.msg === 'collector listening');
    expect(listening).toMatchObject({ scheme: 'https' });

    // A key made with the CLI over HTTPS, trusting the CA with --ca-file.
    const made = spawnSync(process.execPath, [INFERLENS_CLI, 'keys', 'create', '--url', c.url, '--ca-file', certs.caFile, '--project', 'acme', '--scopes', 'ingest,read', '--name', 'tls-sdk'], {
      encoding: 'utf8',
      env: { ...process.env, INFERLENS_ADMIN_KEY: ADMIN },
      timeout: 30_000,
    });
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    const key = (JSON.parse(made.stdout) as { key: string }).key;
    // Without the CA, the CLI is refused by the certificate check, and says so.
    const untrusting = spawnSync(process.execPath, [INFERLENS_CLI, 'keys', 'list', '--url', c.url], { encoding: 'utf8', env: { ...process.env, INFERLENS_ADMIN_KEY: ADMIN }, timeout: 30_000 });
    expect(untrusting.status).not.toBe(0);
    expect(untrusting.stderr).toMatch(/certificate/i);

    // The SDK with the CA and the key: records and spans arrive.
    const monitor = createMonitor({ serviceName: 'tls-svc', endpoint: c.url, apiKey: key, project: 'acme', ca: certs.caPem });
    const predict = monitor.instrument(async (x: number) => x * 2, { model: 'tls-model', version: 'v1', features: ([x]) => ({ x }) });
    for (let i = 0; i < 5; i++) await predict(i);
    await monitor.forceFlush();
    expect(monitor.stats().failed).toBe(0);
    await monitor.shutdown();
    const auth = { headers: { authorization: `Bearer ${key}` } };
    const read = (await httpsJson(`${c.url}/api/v1/predictions?project=acme&model=tls-model`, { ca: certs.caPem }, auth)) as { status: number; body: AnyJson };
    expect(read.status).toBe(200);
    expect(read.body.predictions).toHaveLength(5);
    // The SDK's own spans went the same way.
    const trace = (await httpsJson(`${c.url}/api/v1/traces/${read.body.predictions[0].traceId}`, { ca: certs.caPem }, auth)) as { status: number; body: AnyJson };
    expect(trace.status).toBe(200);
    expect(trace.body.spans[0]).toMatchObject({ serviceName: 'tls-svc' });

    // A client that trusts only another CA fails the handshake; plain HTTP gets no HTTP answer.
    expect(await httpsJson(`${c.url}/readyz`, { ca: readFileSync(certs.otherCaFile, 'utf8') })).toEqual({ error: expect.stringMatching(/CERT|SIGNATURE|SELF_SIGNED|UNABLE/) });
    const plain = await fetch(c.url.replace('https:', 'http:') + '/readyz').then((r) => r.status, () => 'failed');
    expect(plain).not.toBe(200);
  });

  it('with tls.caFile asks every client for a certificate its CA signed: without one the handshake fails, with one the request is answered', async () => {
    const clientTls = { ca: certs.caPem, cert: readFileSync(certs.clientCert, 'utf8'), key: readFileSync(certs.clientKey, 'utf8') };
    const c = await startCollector({
      dataDir: dir(),
      env: { INFERLENS_TLS_CERT_FILE: certs.serverCert, INFERLENS_TLS_KEY_FILE: certs.serverKey, INFERLENS_TLS_CA_FILE: certs.caFile },
      tls: clientTls,
    });
    procs.push(c);
    expect(await httpsStatus(`${c.url}/readyz`, clientTls)).toBe(200);
    const body = JSON.stringify({ predictionId: 'mtls-1', model: 'mtls', version: 'v1', latencyMs: 1 });
    const stored = await httpsJson(`${c.url}/v1/predictions`, clientTls, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(stored).toMatchObject({ status: 200, body: { accepted: 1 } });

    const without = await httpsJson(`${c.url}/v1/predictions`, { ca: certs.caPem }, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: JSON.stringify({ predictionId: 'mtls-2', model: 'mtls' }) });
    expect(without).toHaveProperty('error');
    const read = await httpsJson(`${c.url}/api/v1/predictions?model=mtls`, clientTls);
    // inferlens keys with the client certificate (authentication off here: the certificate is the gate).
    const keysCli = (extra: string[]) => spawnSync(process.execPath, [INFERLENS_CLI, 'keys', 'list', '--url', c.url, '--ca-file', certs.caFile, ...extra], { encoding: 'utf8', timeout: 30_000 });
    const listed = keysCli(['--cert-file', certs.clientCert, '--key-file', certs.clientKey]);
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    expect(keysCli([]).status).not.toBe(0);
    expect((read as { body: AnyJson }).body.predictions.map((p: AnyJson) => p.predictionId)).toEqual(['mtls-1']);
  });

  it('refuses to start when a certificate file is missing or only one of the pair is set (exit 2, naming the setting)', () => {
    const run = (env: Record<string, string>) => spawnSync(process.execPath, [COLLECTOR_CLI, '--port', '0', '--data-dir', dir()], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
    const missing = run({ INFERLENS_TLS_CERT_FILE: `${certDir}/nope.pem`, INFERLENS_TLS_KEY_FILE: certs.serverKey });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('tls.certFile: cannot read');
    const half = run({ INFERLENS_TLS_CERT_FILE: certs.serverCert });
    expect(half.status).toBe(2);
    expect(half.stderr).toContain('tls.keyFile is missing');
  });
});
