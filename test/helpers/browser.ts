import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's Chromium, or one named by CHROMIUM_PATH / found on PATH. */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/** A headless Chromium with one 1400 × 1000 page; every page error and console error lands in `errors`. */
export async function openBrowser(options: { args?: string[] } = {}): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const chromium = findChromium();
  if (!chromium) throw new Error('Chromium not found: install it (Debian: apt-get install -y --no-install-recommends chromium) or set CHROMIUM_PATH');
  const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', ...(options.args ?? [])] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url ?? ''})`);
  });
  return { browser, page, errors };
}

/**
 * Waits until the page finished a render that started after `after` (the app marks
 * `body[data-ready]`) and shows `selector`, which only the expected page has: an automatic
 * refresh of the previous page cannot pass for it.
 */
export async function rendered(page: Page, after = 0, selector = 'main > *'): Promise<void> {
  await page.waitForFunction(
    (n, sel) => Number(document.body.dataset.ready ?? 0) > n && document.querySelector(sel) !== null,
    { timeout: 15_000 },
    after,
    selector,
  );
}

/** The number of the page's last finished render. */
export const readyToken = (page: Page) => page.evaluate(() => Number(document.body.dataset.ready ?? 0));

/** Goes to `hash` (a route of the UI) and waits for the render that shows `selector`. */
export async function openRoute(page: Page, hash: string, selector: string): Promise<void> {
  const before = await readyToken(page);
  await page.evaluate((h) => (location.hash = h), hash);
  await rendered(page, before, selector);
}

/** The text of each cell of each body row of the table `selector`. */
export const cellTexts = (page: Page, selector: string) =>
  page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));

/** Saves a full-page screenshot as `dir/name.png` when `dir` is given. */
export async function snapshot(page: Page, dir: string | undefined, name: string): Promise<void> {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) as `${string}.png`, fullPage: true });
}
