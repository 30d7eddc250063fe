import { request as httpRequest, createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { cellTexts, openBrowser, readyToken, rendered } from '../helpers/browser.js';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// The built-in UI in headless Chromium against a collector that requires keys: the page asks for
// a key once, keeps it in the tab's sessionStorage, sends it as Bearer and shows only the key's
// project. A page of another origin that POSTs `text/plain` (no preflight) stores nothing, with
// authentication required (no key) and off (a cross-origin request); a DNS-rebinding `Host` is
// refused.

const ADMIN = 'ui-auth-bootstrap-admin-key-0123456789';
const NOW = Date.now();

type AnyJson = Record<string, any>;

/** A page of another origin (its own port) whose script POSTs text/plain to `target` and says when done. */
async function foreignSite(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? '';
    const body = JSON.stringify({ predictionId: 'planted-by-a-foreign-page', model: 'planted' });
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>foreign</title><script>
      fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} })
        .then(() => (document.title = 'sent'), () => (document.title = 'sent'));
    </script>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, server };
}

/** A GET with a chosen Host header (fetch would not send one). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the UI and browsers against a collector that requires keys', () => {
  let collector: CollectorProcess;
  let open: CollectorProcess;
  let dataDir: string;
  let openDir: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let readKey: string;
  let foreign: { url: string; server: Server };
  const admin = { authorization: `Bearer ${ADMIN}` };

  beforeAll(async () => {
    dataDir = tempDataDir('inferlens-ui-auth-');
    openDir = tempDataDir('inferlens-ui-open-');
    [collector, open] = await Promise.all([
      startCollector({ dataDir, env: { INFERLENS_AUTH_MODE: 'required', INFERLENS_ADMIN_KEY: ADMIN } }),
      startCollector({ dataDir: openDir }),
    ]);
    for (const [project, model] of [['acme', 'fraud-acme'], ['other', 'churn-other']]) {
      const body = Array.from({ length: 20 }, (_, i) => JSON.stringify({ predictionId: `${project}-${i}`, model, version: 'v1', project, timestamp: NOW - 60_000 + i, latencyMs: 2 })).join('\n');
      const r = await fetch(`${collector.url}/v1/predictions`, { method: 'POST', body, headers: { ...admin, 'content-type': 'application/x-ndjson' } });
      expect(r.status).toBe(200);
    }
    const made = await fetch(`${collector.url}/api/v1/keys`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ project: 'acme', scopes: ['read'], name: 'ui' }),
    });
    readKey = ((await made.json()) as { key: string }).key;
    foreign = await foreignSite();
    // rebind.attacker.example resolves to this machine, as a DNS-rebinding site would make it.
    ({ browser, page, errors } = await openBrowser({ args: ['--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1'] }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => foreign?.server.close(r));
    await Promise.all([collector?.stop(), open?.stop()]);
    removeDir(dataDir);
    removeDir(openDir);
  });

  it('asks for a key once, keeps it in the tab, sends it as Bearer and shows only its project', async () => {
    const authorizations: Array<string | undefined> = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/')) authorizations.push(r.headers().authorization);
    });
    await page.goto(`${collector.url}/ui/`);
    await rendered(page, 0, '[data-testid=key-form]');
    expect(await page.$eval('#status', (e) => e.textContent)).toBe('API key needed');
    expect(await page.$('[data-testid=key-problem]')).toBeNull();

    // A wrong key: asked again, saying why.
    let before = await readyToken(page);
    await page.type('[data-testid=key-input]', 'ilk_0123456789abcdef_' + 'x'.repeat(43));
    await page.click('[data-testid=key-submit]');
    await rendered(page, before, '[data-testid=key-problem]');
    expect(await page.$eval('[data-testid=key-problem]', (e) => e.textContent)).toContain('unknown or revoked');

    before = await readyToken(page);
    await page.type('[data-testid=key-input]', readKey);
    await page.click('[data-testid=key-submit]');
    await rendered(page, before, '[data-testid=models-table]');
    expect((await cellTexts(page, '[data-testid=models-table]')).map((row) => row[0])).toEqual(['fraud-acme']);
    expect(await page.$eval('#project', (e) => [(e as HTMLSelectElement).value, (e as HTMLSelectElement).disabled, e.children.length])).toEqual(['acme', true, 1]);
    expect(await page.evaluate(() => [sessionStorage.getItem('inferlens.apiKey'), JSON.stringify(localStorage)])).toEqual([readKey, expect.not.stringContaining(readKey)]);
    expect(authorizations.at(-1)).toBe(`Bearer ${readKey}`);

    // A reload in the same tab keeps the key: no question asked.
    await page.reload();
    await rendered(page, 0, '[data-testid=models-table]');
    expect(await page.$('[data-testid=key-form]')).toBeNull();

    // Forgetting it asks again.
    before = await readyToken(page);
    await page.click('#forget-key');
    await rendered(page, before, '[data-testid=key-form]');
    expect(await page.evaluate(() => sessionStorage.getItem('inferlens.apiKey'))).toBeNull();
    // The only errors the page saw are the refusals of the keyless and wrong-key requests.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });

  it("stores nothing a foreign page's text/plain POST sends: without a key when keys are required, as a cross-origin request when they are not", async () => {
    for (const target of [collector, open]) {
      const tab = await browser.newPage();
      await tab.goto(`${foreign.url}?target=${encodeURIComponent(`${target.url}/v1/predictions`)}`);
      await tab.waitForFunction(() => document.title === 'sent', { timeout: 15_000 });
      await tab.close();
    }
    const stored = async (c: CollectorProcess, headers: Record<string, string>) =>
      ((await (await fetch(`${c.url}/api/v1/predictions?project=default&predictionId=planted-by-a-foreign-page`, { headers })).json()) as AnyJson).predictions;
    expect(await stored(collector, admin)).toEqual([]);
    expect(await stored(open, {})).toEqual([]);
    // What the keyless collector answers such a request, as curl would send it with the page's Origin.
    const r = await fetch(`${open.url}/v1/predictions`, { method: 'POST', body: '{"predictionId":"x","model":"m"}', headers: { 'content-type': 'text/plain', origin: foreign.url.slice(0, -1) } });
    expect(r.status).toBe(403);
    expect(((await r.json()) as AnyJson).error).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('refuses a Host that is not this collector (DNS rebinding) to a browser, in both modes; the probes answer any', async () => {
    for (const c of [collector, open]) {
      // Chromium opens the collector by the rebound name: the page itself is refused.
      const tab = await browser.newPage();
      const res = await tab.goto(`http://rebind.attacker.example:${c.port}/ui/`);
      expect(res?.status()).toBe(403);
      expect(await tab.evaluate(() => document.body.innerText)).toContain('HOST_NOT_ALLOWED');
      // And the API, as a script of that page would read it (same origin for the browser).
      const api = await tab.evaluate(async () => (await fetch('/api/v1/models?project=default')).status);
      expect(api).toBe(403);
      expect((await tab.goto(`http://rebind.attacker.example:${c.port}/readyz`))?.status()).toBe(200);
      await tab.close();
      // The same requests by this machine's names are answered.
      expect((await getWithHost(`${c.url}/ui/`, `localhost:${c.port}`)).status).toBe(200);
    }
    // Bound to loopback, a tool's request may name a single-label host, not a dotted one.
    expect((await getWithHost(`${open.url}/api/v1/models`, 'x')).status).toBe(200);
    expect((await getWithHost(`${open.url}/api/v1/models`, 'rebind.attacker.example')).status).toBe(403);
  });
});
