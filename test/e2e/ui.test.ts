import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { cellTexts, openBrowser, readyToken, rendered, snapshot as save } from '../helpers/browser.js';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { rng } from '../helpers/random.js';
import { postAccepted } from '../helpers/ndjson.js';

// The built-in UI in a real headless Chromium (Debian's `chromium`, which `pnpm test` installs
// when it runs as root), against a real collector with hand-made traffic, a drift window and an
// alert: names as text, projects, errors. ui-demo.test.ts covers the pages on the demo's data.

const WINDOW_MS = 60_000;
const NOW = Date.now();
// Six closed one-minute windows ending two minutes ago; `amount` shifts from the fourth on.
const START = Math.floor((NOW - 8 * WINDOW_MS) / WINDOW_MS) * WINDOW_MS;
const HOSTILE = '<img src=x onerror="window.__xss=1">';

function features(r: ReturnType<typeof rng>, shifted: boolean) {
  return { amount: r.normal(shifted ? 300 : 100, 20), age: r.normal(40, 10), country: r.uniform() < 0.5 ? 'FR' : 'DE' };
}

/** With INFERLENS_UI_SCREENSHOTS=dir, each page is saved there as a PNG (to look at the UI). */
const snapshot = (page: Page, name: string) => save(page, process.env.INFERLENS_UI_SCREENSHOTS, name);

describe('built-in web UI (headless Chromium)', () => {
  let collector: CollectorProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let rules: string;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    dataDir = tempDataDir('inferlens-ui-');
    rules = join(dataDir, '..', `${dataDir.split('/').pop()}-rules.yaml`);
    writeFileSync(
      rules,
      `rules:
  - alert: FeatureDrift
    when: { source: drift, metric: drifted, match: { source: feature }, op: '==', threshold: 1 }
    labels: { severity: warning }
    annotations: { summary: 'Feature {{ $labels.feature }} of {{ $labels.model }} drifted' }
`,
    );
    collector = await startCollector({
      dataDir,
      args: ['--alert-rules', rules],
      env: { INFERLENS_DRIFT_WINDOW_SECONDS: '60', INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1', INFERLENS_DRIFT_INTERVAL_MS: '60000' },
    });

    const ref = rng(1);
    await postAccepted(`${collector.url}/v1/references?model=fraud&version=v2`, Array.from({ length: 1500 }, () => ({ features: features(ref, false) })));
    const r = rng(2);
    const predictions = [];
    for (let w = 0; w < 7; w++) {
      for (let i = 0; i < 300; i++) {
        predictions.push({
          predictionId: `ui-${w}-${i}`,
          model: 'fraud',
          version: 'v2',
          timestamp: START + w * WINDOW_MS + i * 150,
          latencyMs: 5 + r.uniform() * 20,
          status: i % 50 === 0 ? 'error' : 'ok',
          features: features(r, w >= 3),
        });
      }
    }
    await postAccepted(`${collector.url}/v1/predictions`, predictions);
    await postAccepted(`${collector.url}/v1/predictions`, [
      { predictionId: 'x-1', model: HOSTILE, version: HOSTILE, timestamp: NOW - 60_000, latencyMs: 1, features: { [HOSTILE]: 1, g: HOSTILE } },
    ]);
    const other = await fetch(`${collector.url}/v1/predictions`, {
      method: 'POST',
      body: JSON.stringify({ predictionId: 'o-1', model: 'churn', version: 'v9', timestamp: NOW - 60_000, latencyMs: 3, sampleRate: 0.25 }),
      headers: { 'content-type': 'application/x-ndjson', 'x-inferlens-project': 'other' },
    });
    expect(other.status).toBe(200);
    // Close the windows now (the job's own clock is set to a minute), until all six have results.
    const deadline = Date.now() + 30_000;
    for (;;) {
      await fetch(`${collector.url}/api/v1/jobs/drift/run`, { method: 'POST' });
      const got = (await (await fetch(`${collector.url}/api/v1/drift?model=fraud&version=v2`)).json()) as { results: Array<{ windowStart: string }> };
      if (new Set(got.results.map((g) => g.windowStart)).size >= 6) break;
      if (Date.now() > deadline) throw new Error('drift windows not closed within 30 s');
      await new Promise((res) => setTimeout(res, 200));
    }

    // The alert engine evaluates right after the job writes a window; wait until it fires.
    for (;;) {
      const { alerts } = (await (await fetch(`${collector.url}/api/v1/alerts`)).json()) as { alerts: Array<{ rule: string; state: string }> };
      if (alerts.some((a) => a.rule === 'FeatureDrift' && a.state === 'firing')) break;
      if (Date.now() > deadline) throw new Error('FeatureDrift not firing within 30 s');
      await new Promise((res) => setTimeout(res, 200));
    }

    ({ browser, page, errors: pageErrors } = await openBrowser());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.stop();
    if (dataDir) removeDir(dataDir);
    if (rules) removeDir(rules);
  });

  it('answers the models and time series API the UI reads, and refuses bad ranges', async () => {
    const get = async (path: string) => {
      const r = await fetch(`${collector.url}${path}`);
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    };
    const models = await get(`/api/v1/models?from=${START}&to=${NOW + 1000}`);
    expect(models.status).toBe(200);
    expect(models.body.models.map((m: any) => [m.model, m.version, m.predictions, m.errors])).toEqual([
      ['fraud', 'v2', 2100, 42],
      [HOSTILE, HOSTILE, 1, 0],
    ]);
    expect(models.body.models[0].firstPrediction).toBe(new Date(START).toISOString());
    expect(models.body.models[0].latencyMs.p50).toBeGreaterThan(5);
    expect(models.body.models[0].latencyMs.p99).toBeLessThanOrEqual(25);
    // Each project sees its own models.
    // Each record sampled at 0.25 stands for 4 calls.
    expect((await get(`/api/v1/models?project=other&from=${START}`)).body.models.map((m: any) => [m.model, m.predictions, m.estimatedPredictions])).toEqual([['churn', 1, 4]]);
    expect(models.body.models[0].estimatedPredictions).toBe(2100);
    expect((await get(`/api/v1/models?project=nobody&from=${START}`)).body.models).toEqual([]);
    expect((await get(`/api/v1/projects?from=${START}`)).body.projects.map((p: any) => [p.project, p.predictions])).toEqual([
      ['default', 2101],
      ['other', 1],
    ]);

    const series = await get(`/api/v1/timeseries?model=fraud&from=${START}&to=${START + 7 * WINDOW_MS}&step=60`);
    expect(series.status).toBe(200);
    expect(series.body.stepSeconds).toBe(60);
    const points = series.body.series[0].points;
    expect(series.body.series.map((x: any) => x.version)).toEqual(['v2']);
    expect(points.map((p: any) => [p.time, p.predictions, p.errors])).toEqual(
      Array.from({ length: 7 }, (_, w) => [new Date(START + w * WINDOW_MS).toISOString(), 300, 6]),
    );
    // Without a step, a 7-minute range gets 1-minute steps; 30 days get 6-hour steps.
    expect((await get(`/api/v1/timeseries?model=fraud&from=${START}&to=${START + 7 * WINDOW_MS}`)).body.stepSeconds).toBe(60);
    expect((await get(`/api/v1/timeseries?model=fraud&from=${NOW - 30 * 86_400_000}&to=${NOW}`)).body.stepSeconds).toBe(21_600);

    const tooMany = await get(`/api/v1/timeseries?model=fraud&from=${NOW - 30 * 86_400_000}&to=${NOW}&step=60`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toMatch(/step: 60 s gives more than 1000 points/);
    const backwards = await get(`/api/v1/models?from=${NOW}&to=${START}`);
    expect(backwards.status).toBe(400);
    expect(backwards.body.message).toMatch(/from must be before to/);
    const badTime = await get(`/api/v1/timeseries?model=fraud&from=yesterday`);
    expect(badTime.status).toBe(400);
    expect(badTime.body.message).toMatch(/from: expected an ISO-8601 time or Unix milliseconds/);
  });

  it('opens on the models page: every model version with its traffic, names shown as text', async () => {
    await page.goto(`${collector.url}/`);
    await rendered(page);
    expect(page.url()).toBe(`${collector.url}/ui/`);
    await snapshot(page, 'models');
    const rows = await cellTexts(page, '[data-testid=models-table]');
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['fraud', 'v2', '2,100'],
      [HOSTILE, HOSTILE, '1'],
    ]);
    // 42 of 2100 predictions are errors: 2.00 %.
    expect(rows[0]![3]).toBe('2.00 %');
    expect(rows[0]![8]).toContain('FeatureDrift');
    expect(await page.$eval('[data-testid=card-firing] .value', (e) => e.textContent)).toBe('1');
    // The hostile model name is text, not markup.
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.$$eval('main img', (imgs) => imgs.length)).toBe(0);
  });

  it('shows a model: drifted column flagged in the latest window, charts drawn, recent predictions', async () => {
    const before = await readyToken(page);
    await page.click('[data-testid=model-link]');
    await rendered(page, before, '[data-testid=model-title]');
    expect(await page.$eval('[data-testid=model-title]', (e) => e.textContent)).toBe('fraud');
    await snapshot(page, 'model');
    const drift = await cellTexts(page, '[data-testid=drift-table]');
    const byColumn = Object.fromEntries(drift.map((r) => [r[1], r[r.length - 1]]));
    expect(byColumn.amount).toBe('drifted');
    expect(byColumn.age).toBe('no');
    expect(byColumn.country).toBe('no');
    expect(await page.$$eval('[data-testid=drift-table] tr.bad', (rows) => rows.length)).toBeGreaterThanOrEqual(1);
    expect(await page.$eval('[data-testid=card-drifted] .value', (e) => e.textContent)).toBe('1');
    // uPlot drew the traffic charts into canvases of real size (no quality or SLA data here: no canvas).
    const canvases = await page.$$eval('.charts.traffic .chart canvas', (cs) => cs.map((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]));
    expect(canvases.length).toBe(3);
    for (const [w, h] of canvases) expect(w! * h!).toBeGreaterThan(0);
    // At 1400 px the three traffic charts share one row.
    expect(new Set(await page.$$eval('.charts.traffic .chart', (cs) => cs.map((c) => (c as HTMLElement).offsetTop))).size).toBe(1);
    // The drift heatmap: one row per column (and the data set), one cell per window; amount drifted from the fourth window on.
    const cells = await page.$$eval('[data-testid=drift-heatmap-v2] a.cell', (cs) => cs.map((c) => [(c as HTMLElement).dataset.row, (c as HTMLElement).dataset.window, (c as HTMLElement).dataset.drifted]));
    const amount = cells.filter((c) => c[0] === 'feature:amount');
    expect(amount.map((c) => c[2])).toEqual(['0', '0', '0', '1', '1', '1']);
    expect(amount.map((c) => c[1])).toEqual(Array.from({ length: 6 }, (_, w) => new Date(START + w * WINDOW_MS).toISOString()));
    expect(cells.filter((c) => c[0] === 'feature:age').at(-1)![2]).toBe('0');
    const recent = await cellTexts(page, '[data-testid=predictions-table]');
    expect(recent.length).toBe(20);
    expect(recent[0]![1]).toBe('ui-6-299');
  });

  it('switches project from the header, and back', async () => {
    expect(await page.$$eval('#project option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['default', 'other']);
    let before = await readyToken(page);
    await page.select('#project', 'other');
    await rendered(page, before, '[data-testid=models-table]');
    await page.waitForFunction(() => document.querySelector('[data-testid=models-table] td')?.textContent === 'churn', { timeout: 15_000 });
    // The URL holds the project, so the view can be shared.
    expect(page.url()).toMatch(/#\/\?project=other$/);
    expect((await cellTexts(page, '[data-testid=models-table]')).map((r) => [r[0], r[1], r[2], r[8]])).toEqual([['churn', 'v9', '1 (≈ 4 calls, sampled)', '']]);
    expect(await page.$eval('[data-testid=card-firing] .value', (e) => e.textContent)).toBe('0');
    before = await readyToken(page);
    await page.select('#project', 'default');
    await rendered(page, before, '[data-testid=models-table]');
    await page.waitForFunction(() => document.querySelector('[data-testid=models-table] td')?.textContent === 'fraud', { timeout: 15_000 });
    expect((await cellTexts(page, '[data-testid=models-table]')).map((r) => r[0])).toEqual(['fraud', HOSTILE]);
  });

  it('lists the firing alert and its transitions on the alerts page', async () => {
    const before = await readyToken(page);
    await page.click('nav a[data-nav=alerts]');
    await rendered(page, before, '[data-testid=history-table]');
    await snapshot(page, 'alerts');
    const active = await cellTexts(page, '[data-testid=alerts-table]');
    expect(active.map((r) => [r[0], r[1]])).toEqual([['FeatureDrift', 'firing']]);
    expect(active[0]![2]).toContain('feature=amount');
    expect(active[0]![5]).toBe('Feature amount of fraud drifted');
    const history = await cellTexts(page, '[data-testid=history-table]');
    expect(history.some((r) => r[1] === 'FeatureDrift' && r[2] === 'inactive → firing')).toBe(true);
  });

  it('reports an API error on the page instead of failing silently', async () => {
    const before = await readyToken(page);
    await page.evaluate((m) => (location.hash = `#/model/${m}`), 'm'.repeat(300));
    await rendered(page, before, '[data-testid=error]');
    const message = await page.$eval('[data-testid=error]', (e) => e.textContent ?? '');
    expect(message).toMatch(/400/);
    expect(message).toMatch(/model/);
  });

  it('shows a hostile model, version and feature name as text on the model page', async () => {
    const before = await readyToken(page);
    await page.evaluate((m) => (location.hash = `#/model/${encodeURIComponent(m)}`), HOSTILE);
    await rendered(page, before, '[data-testid=model-title]');
    expect(await page.$eval('[data-testid=model-title]', (e) => e.textContent)).toBe(HOSTILE);
    expect(await page.$$eval('select[aria-label=version] option', (os) => os.map((o) => o.textContent))).toEqual(['all versions', HOSTILE]);
    const recent = await cellTexts(page, '[data-testid=predictions-table]');
    expect(recent[0]![2]).toBe(HOSTILE);
    // Features as key/value chips, names and values as text.
    expect(await page.$$eval('[data-testid=predictions-table] tbody tr:first-child td:nth-child(6) .chip', (cs) => cs.map((c) => [c.querySelector('.k')!.textContent, c.lastChild!.textContent]))).toEqual([
      [HOSTILE, '1'],
      ['g', HOSTILE],
    ]);
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it('raised no script error on any page', () => {
    // The browser logs the 400 of the previous test's failed fetch; nothing else may be there.
    expect(pageErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
