import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { cellTexts, openBrowser, openRoute, readyToken, rendered, snapshot as save } from '../helpers/browser.js';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { recentStart } from '../helpers/clock.js';
import { postAccepted } from '../helpers/ndjson.js';

// Segment investigation in the built-in UI, in a real headless Chromium against a real collector:
// a model whose traffic has two segments, of which only `web` drifts (its `amount` moves, and goes
// missing in a tenth of its rows) and answers worse in the last two windows. The model page lists
// the segments worst first with the figures of `GET /api/v1/segments`; picking a segment shows its
// drift heatmap, latest window per column and quality (compared with `/api/v1/drift` and
// `/api/v1/quality` of that segment), the URL holds the choice through a reload and the back
// button; the feature page follows the segment, with its data-quality measures. A third segment
// has a hostile name, shown as text.

const WINDOW = 60_000;
const T0 = recentStart(WINDOW, 20 * WINDOW);
const at = (w: number) => new Date(T0 + w * WINDOW).toISOString();
const MODEL = 'loans';
const ROWS = 300;
const WINDOWS = 4;
/** A segment name a client could send: shown as text, never as markup. Its traffic is store's. */
const HOSTILE = '<img src=x onerror="window.__xss=1">';
const SEGMENTS = ['store', 'web', HOSTILE];
/** Web's traffic from this window on: amount moved, and missing in a tenth of its rows; half its answers wrong. */
const SHIFT_FROM = 2;

/** The UI's formats of numbers (collector/ui/lib/dom.js). */
const num = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);

interface DriftRow { version: string; segment: string; windowStart: string; source: string; feature: string; method: string; statistic: number; pValue: number | null; drifted: boolean }
/** What the feature page's chart draws per window: the p-value of a test (at least 1e-20, its log axis’ floor), else the statistic. */
const TESTS = new Set(['ks', 'chi-square', 'two-proportion-z', 'mmd']);
const plotted = (r: DriftRow) => (TESTS.has(r.method) && r.pValue !== null ? Math.max(r.pValue, 1e-20) : r.statistic);
interface QualityRow { version: string; segment: string; windowStart: string; labelled: number; classification: { accuracy: number | null } }
interface DataQualityRow { segment: string; windowStart: string; source: string; feature: string; metric: string; value: number }
interface Segment {
  version: string;
  segment: string;
  drift: { windows: number; driftedWindows: number; latest: { windowStart: string; columns: number; driftedColumns: number; datasetShare: number | null } } | null;
  quality: { windows: number; labelledWindows: number; latest: { labelled: number; accuracy: number | null } } | null;
}

const snapshot = (page: Page, name: string) => save(page, process.env.INFERLENS_UI_SCREENSHOTS, `segments-${name}`);

describe('segment investigation in the web UI (headless Chromium)', () => {
  let collector: CollectorProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];

  async function api<T>(path: string, params: Record<string, string | number>): Promise<T> {
    const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
    const r = await fetch(`${collector.url}${path}?${qs}`);
    expect(r.status, path).toBe(200);
    return (await r.json()) as T;
  }
  const drift = async (segment: string) => (await api<{ results: DriftRow[] }>('/api/v1/drift', { model: MODEL, segment })).results;
  const quality = async (segment: string) => (await api<{ results: QualityRow[] }>('/api/v1/quality', { model: MODEL, segment })).results;

  /** The x (Unix seconds) and first line of the uPlot chart `testid`, as drawn. */
  const chartData = (testid: string) =>
    page.$eval(`[data-testid=${testid}]`, (el) => {
      const data = (el as HTMLElement & { uplot?: { data: Array<Array<number | null>> } }).uplot?.data;
      return data ? { x: [...data[0]!], y: [...data[1]!] } : null;
    });

  /** Heatmap cells of the version's drift heatmap: row, window, drifted. */
  const heatmapCells = () =>
    page.$$eval('[data-testid=drift-heatmap-v1] a.cell', (cs) => cs.map((c) => [(c as HTMLElement).dataset.row ?? '', (c as HTMLElement).dataset.window ?? '', (c as HTMLElement).dataset.drifted ?? '']));

  const hashParam = async (name: string) => new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1] ?? '').get(name);

  beforeAll(async () => {
    dataDir = tempDataDir('inferlens-ui-segments-');
    collector = await startCollector({
      dataDir,
      env: { INFERLENS_DRIFT_WINDOW_SECONDS: '60', INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1', INFERLENS_DRIFT_INTERVAL_MS: '600000', INFERLENS_QUALITY_INTERVAL_MS: '600000' },
    });
    // amount spread 90..110 and plan one third pro, in the reference and in every window but web's shifted ones.
    const amount = (i: number, shifted: boolean) => (shifted ? 200 : 100) + (i % 21) - 10;
    await postAccepted(`${collector.url}/v1/references?model=${MODEL}&version=v1`, Array.from({ length: 630 }, (_, i) => ({ features: { amount: amount(i, false), plan: i % 3 === 0 ? 'pro' : 'free' } })));
    const predictions: unknown[] = [];
    const feedback: unknown[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      for (const segment of SEGMENTS) {
        for (let i = 0; i < ROWS; i++) {
          const shifted = segment === 'web' && w >= SHIFT_FROM;
          const predictionId = `${segment === HOSTILE ? 'hostile' : segment}-${w}-${i}`;
          const timestamp = T0 + w * WINDOW + Math.floor((i * WINDOW) / ROWS);
          const label = i % 2 === 0 ? 'yes' : 'no';
          const plan = i % 3 === 0 ? 'pro' : 'free';
          const features = shifted && i % 10 === 0 ? { plan } : { amount: amount(i, shifted), plan };
          predictions.push({ predictionId, model: MODEL, version: 'v1', segment, timestamp, latencyMs: 5, features, outputs: { label } });
          const wrong = shifted && i % 4 < 2;
          feedback.push({ predictionId, model: MODEL, version: 'v1', timestamp: timestamp + 1000, label: wrong ? (label === 'yes' ? 'no' : 'yes') : label });
        }
      }
    }
    // Without a segment, past the last window: closes them all.
    predictions.push({ predictionId: 'pusher', model: MODEL, version: 'v1', timestamp: T0 + (WINDOWS + 2) * WINDOW, latencyMs: 5, features: { amount: 100, plan: 'free' } });
    await postAccepted(`${collector.url}/v1/predictions`, predictions);
    await postAccepted(`${collector.url}/v1/feedback`, feedback);
    const deadline = Date.now() + 60_000;
    for (const job of ['drift', 'quality'] as const) {
      for (;;) {
        const run = await fetch(`${collector.url}/api/v1/jobs/${job}/run`, { method: 'POST' });
        expect(run.status).toBe(200);
        const rows: Array<{ windowStart: string }> = job === 'drift' ? await drift('web') : (await quality('web')).filter((r) => r.labelled > 0);
        if (new Set(rows.map((r) => r.windowStart)).size >= WINDOWS) break;
        if (Date.now() > deadline) throw new Error(`${job}: web's ${WINDOWS} windows not closed within 60 s`);
        await new Promise((res) => setTimeout(res, 200));
      }
    }
    ({ browser, page, errors: pageErrors } = await openBrowser());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it('lists the segments on the model page worst first, with the figures of /api/v1/segments', async () => {
    await page.goto(`${collector.url}/ui/#/model/${MODEL}`);
    await rendered(page, 0, '[data-testid=segments-table]');
    await snapshot(page, 'model');
    const range = await page.$eval('[data-testid=range-text]', (e) => [Number((e as HTMLElement).dataset.from), Number((e as HTMLElement).dataset.to)]);
    const { segments } = await api<{ segments: Segment[] }>('/api/v1/segments', { model: MODEL, from: range[0]! - 86_400_000, to: range[1]! });
    expect(segments.map((s) => s.segment)).toEqual([HOSTILE, 'store', 'web']);
    const bySegment = new Map(segments.map((s) => [s.segment, s]));
    const rows = await cellTexts(page, '[data-testid=segments-table]');
    // web drifted (amount), store and the hostile one did not: web first, then by name.
    expect(rows.map((r) => r[0])).toEqual(['web', HOSTILE, 'store']);
    for (const r of rows) {
      const s = bySegment.get(r[0]!)!;
      expect(r.slice(1)).toEqual([
        'v1',
        new Date(s.drift!.latest.windowStart).toISOString().slice(0, 19).replace('T', ' '),
        `${int(s.drift!.latest.driftedColumns)} / ${int(s.drift!.latest.columns)}`,
        pct(s.drift!.latest.datasetShare),
        `${int(s.drift!.driftedWindows)} / ${int(s.drift!.windows)}`,
        num(s.quality!.latest.accuracy),
        int(s.quality!.latest.labelled),
      ]);
    }
    expect(bySegment.get('web')!.drift).toMatchObject({ windows: WINDOWS, driftedWindows: WINDOWS - SHIFT_FROM });
    expect(bySegment.get('web')!.drift!.latest.driftedColumns).toBeGreaterThanOrEqual(1);
    expect(bySegment.get('store')!.drift).toMatchObject({ windows: WINDOWS, driftedWindows: 0, latest: { driftedColumns: 0 } });
    expect(rows.map((r) => r[6])).toEqual(['0.500', '1.000', '1.000']);
    expect(await page.$$eval('[data-testid=segments-table] tbody tr.bad', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.segment))).toEqual(['web']);
    // The picker: the whole windows, then each segment.
    expect(await page.$$eval('[data-testid=segment-select] option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]))).toEqual([
      ['', 'all traffic (whole windows)'],
      [HOSTILE, HOSTILE],
      ['store', 'store'],
      ['web', 'web'],
    ]);
    expect(await page.$eval('[data-testid=drift-heading]', (e) => e.textContent)).toBe('Drift');
    expect(await page.$$eval('main img', (imgs) => imgs.length)).toBe(0);
  });

  it("shows a picked segment's drift and quality, as /api/v1/drift and /api/v1/quality of that segment say", async () => {
    for (const segment of ['web', 'store']) {
      const before = await readyToken(page);
      await page.select('[data-testid=segment-select]', segment);
      await rendered(page, before, `[data-testid=drift-heading]`);
      expect(await hashParam('segment')).toBe(segment);
      await snapshot(page, `model-${segment}`);
      expect(await page.$eval('[data-testid=drift-heading]', (e) => e.textContent)).toBe(`Drift of segment ${segment}`);
      expect(await page.$eval('[data-testid=segment-select]', (e) => (e as HTMLSelectElement).value)).toBe(segment);
      expect(await page.$eval('[data-testid=segment-note]', (e) => e.textContent)).toMatch(new RegExp(`^Segment ${segment}: the drift and quality below`));
      expect(await page.$$eval('[data-testid=segments-table] tbody tr.current', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.segment))).toEqual([segment]);

      const rows = await drift(segment);
      expect(rows.every((r) => r.segment === segment)).toBe(true);
      // The heatmap: one cell per column and window, drifted as the segment's rows say.
      const cells = await heatmapCells();
      const expected = rows
        .filter((r) => r.source === 'feature')
        .map((r) => [`feature:${r.feature}`, r.windowStart, r.drifted ? '1' : '0'])
        .sort();
      expect(cells.filter((c) => c[0]!.startsWith('feature:')).sort()).toEqual(expected);
      const amount = cells.filter((c) => c[0] === 'feature:amount').map((c) => c[2]);
      expect(amount).toEqual(segment === 'web' ? ['0', '0', '1', '1'] : ['0', '0', '0', '0']);
      // The latest window per column: statistic and verdict of the segment's newest window.
      const table = await cellTexts(page, '[data-testid=drift-table]');
      const newest = rows.filter((r) => r.windowStart === at(WINDOWS - 1) && r.source === 'feature');
      expect(newest.length).toBe(2);
      for (const r of newest) {
        const shown = table.find((t) => t[1] === r.feature)!;
        expect([shown[3], shown.at(-1)]).toEqual([num(r.statistic), r.drifted ? 'drifted' : 'no']);
      }
      expect(await page.$eval('[data-testid=card-drifted] .value', (e) => e.textContent)).toBe(String(newest.filter((r) => r.drifted).length));

      // Quality: the accuracy chart draws the segment's windows; the table shows them.
      const q = (await quality(segment)).filter((r) => r.labelled > 0);
      expect(q.length).toBe(WINDOWS);
      const chart = await chartData('chart-accuracy');
      expect(chart).toEqual({ x: q.map((r) => Date.parse(r.windowStart) / 1000), y: q.map((r) => r.classification.accuracy) });
      expect(chart!.y).toEqual(segment === 'web' ? [1, 1, 0.5, 0.5] : [1, 1, 1, 1]);
      const qualityTable = await cellTexts(page, '[data-testid=quality-table]');
      expect(qualityTable.map((r) => [r[0], r[6]])).toEqual(
        [...q].reverse().map((r) => [new Date(r.windowStart).toISOString().slice(0, 19).replace('T', ' '), num(r.classification.accuracy)]),
      );
    }
  });

  it('keeps the segment in the URL: a reload shows it again, the back button the one before', async () => {
    expect(await hashParam('segment')).toBe('store');
    await page.reload();
    await rendered(page, 0, '[data-testid=drift-heading]');
    expect(await page.$eval('[data-testid=drift-heading]', (e) => e.textContent)).toBe('Drift of segment store');
    expect(await page.$eval('[data-testid=segment-select]', (e) => (e as HTMLSelectElement).value)).toBe('store');
    expect((await heatmapCells()).filter((c) => c[0] === 'feature:amount').map((c) => c[2])).toEqual(['0', '0', '0', '0']);

    let before = await readyToken(page);
    await page.evaluate(() => history.back());
    await page.waitForFunction(() => location.hash.includes('segment=web'), { timeout: 15_000 });
    await rendered(page, before, '[data-testid=drift-heading]');
    expect(await page.$eval('[data-testid=drift-heading]', (e) => e.textContent)).toBe('Drift of segment web');
    expect((await heatmapCells()).filter((c) => c[0] === 'feature:amount').map((c) => c[2])).toEqual(['0', '0', '1', '1']);

    // Back to the whole windows: the picker's first entry drops the parameter.
    before = await readyToken(page);
    await page.select('[data-testid=segment-select]', '');
    await rendered(page, before, '[data-testid=drift-heading]');
    expect(await hashParam('segment')).toBeNull();
    expect(await page.$eval('[data-testid=drift-heading]', (e) => e.textContent)).toBe('Drift');
    expect(await page.$('[data-testid=segment-note]')).toBeNull();
  });

  it("links from the segment table to the segment's page, and from its heatmap to the feature page in that segment", async () => {
    let before = await readyToken(page);
    await page.click('[data-testid=segments-table] tr[data-segment=web] [data-testid=segment-link]');
    await rendered(page, before, '[data-testid=segment-note]');
    expect(await hashParam('segment')).toBe('web');
    expect(await hashParam('version')).toBeNull();

    before = await readyToken(page);
    await page.click(`[data-testid=drift-heatmap-v1] a.cell[data-row="feature:amount"][data-window="${at(WINDOWS - 1)}"]`);
    await rendered(page, before, '[data-testid=feature-window]');
    await snapshot(page, 'feature-web');
    expect(await hashParam('segment')).toBe('web');
    expect(await page.$eval('[data-testid=feature-title]', (e) => e.textContent)).toBe('amount');
    expect(await page.$eval('[data-testid=segment-select]', (e) => (e as HTMLSelectElement).value)).toBe('web');
    const newest = (await drift('web')).find((r) => r.feature === 'amount' && r.windowStart === at(WINDOWS - 1))!;
    expect(newest.drifted).toBe(true);
    const shown = (await cellTexts(page, '[data-testid=feature-window]'))[0]!;
    expect([shown[0], shown[1], shown.at(-1)]).toEqual([newest.method, num(newest.statistic), 'drifted']);
    // The window's distribution is web's rows (a tenth without amount), beside the whole uploaded reference (it has no segments).
    const dist = await api<{ reference: { rows: number; segment: boolean }; current: { rows: number; missing: number }; distribution: { current: { count: number; counts: number[] } } }>('/api/v1/distributions', {
      model: MODEL, version: 'v1', feature: 'amount', source: 'feature', segment: 'web', from: T0 + (WINDOWS - 1) * WINDOW, to: T0 + WINDOWS * WINDOW,
    });
    expect([dist.current.rows, dist.current.missing, dist.distribution.current.count, dist.reference.segment]).toEqual([ROWS, ROWS / 10, ROWS - ROWS / 10, false]);
    expect(await page.$eval('[data-testid=distributions-heading]', (e) => e.textContent)).toBe('Reference and window of segment web');
    expect(await page.$eval('[data-testid=dist-current] h3', (e) => e.textContent)).toBe(`window (${int(dist.distribution.current.count)} values)`);
    expect(await page.$$eval('[data-testid=dist-current] rect', (rs) => rs.map((r) => Number(r.getAttribute('data-value'))))).toEqual(dist.distribution.current.counts);
    expect(await page.$eval('[data-testid=reference-side]', (e) => e.textContent)).toMatch(/^The reference side is the whole reference/);
    expect((await cellTexts(page, '[data-testid=distribution-summary]')).map((r) => r.slice(0, 3))).toEqual([
      ['reference', '630', '0'],
      ['window', int(ROWS), int(ROWS / 10)],
    ]);
    // The drift statistic per window and the data-quality measures are web's: amount missing in a tenth of its rows from window 2 on.
    const stat = await chartData('chart-drift-statistic');
    const webAmount = (await drift('web')).filter((r) => r.feature === 'amount');
    expect(stat).toEqual({ x: webAmount.map((r) => Date.parse(r.windowStart) / 1000), y: webAmount.map(plotted) });
    const dq = (await api<{ results: DataQualityRow[] }>('/api/v1/data-quality', { model: MODEL, segment: 'web', feature: 'amount', metric: 'missing_rate' })).results;
    expect(dq.map((r) => r.value)).toEqual([0, 0, 0.1, 0.1]);
    const dqChart = await page.$eval('[data-testid=chart-data-quality]', (el) => {
      const u = (el as HTMLElement & { uplot?: { data: Array<Array<number | null>>; series: Array<{ label?: string }> } }).uplot!;
      const i = u.series.findIndex((s) => s.label === 'missing_rate');
      return { x: [...u.data[0]!], y: [...u.data[i]!] };
    });
    expect(dqChart).toEqual({ x: dq.map((r) => Date.parse(r.windowStart) / 1000), y: dq.map((r) => r.value) });

    // Switching segment on the feature page: store's amount, which stayed put.
    before = await readyToken(page);
    await page.select('[data-testid=segment-select]', 'store');
    await rendered(page, before, '[data-testid=feature-window]');
    expect(await hashParam('segment')).toBe('store');
    const storeAmount = (await drift('store')).filter((r) => r.feature === 'amount');
    expect(storeAmount.map((r) => r.drifted)).toEqual([false, false, false, false]);
    expect(await chartData('chart-drift-statistic')).toEqual({ x: storeAmount.map((r) => Date.parse(r.windowStart) / 1000), y: storeAmount.map(plotted) });
    expect((await cellTexts(page, '[data-testid=feature-window]'))[0]!.at(-1)).toBe('no');
    expect(await page.$eval('[data-testid=dist-current] h3', (e) => e.textContent)).toBe(`window (${int(ROWS)} values)`);

    // Its link back to the model keeps the segment.
    await openRoute(page, await page.$eval('[data-testid=model-back-link]', (a) => (a as HTMLAnchorElement).getAttribute('href') ?? ''), '[data-testid=segment-note]');
    expect(await page.$eval('[data-testid=drift-heading]', (e) => e.textContent)).toBe('Drift of segment store');
  });

  it('shows a hostile segment name as text, in the picker, the table, the heading and the URL', async () => {
    const before = await readyToken(page);
    await page.select('[data-testid=segment-select]', HOSTILE);
    await rendered(page, before, '[data-testid=segment-note]');
    expect(await hashParam('segment')).toBe(HOSTILE);
    expect(await page.$eval('[data-testid=drift-heading]', (e) => e.textContent)).toBe(`Drift of segment ${HOSTILE}`);
    expect(await page.$eval('[data-testid=segment-note] strong', (e) => e.textContent)).toBe(HOSTILE);
    expect(await page.$$eval('[data-testid=segments-table] tbody tr.current [data-testid=segment-link]', (as) => as.map((a) => a.textContent))).toEqual([HOSTILE]);
    expect((await heatmapCells()).filter((c) => c[0] === 'feature:amount').map((c) => c[2])).toEqual(['0', '0', '0', '0']);
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it('raised no script error on any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
