import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { cellTexts, openBrowser, openRoute, rendered, snapshot } from '../helpers/browser.js';
import { onLines, removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
// The UI's own formats: the test checks that the right number is in the right place.
import { fmt } from '../../collector/ui/lib/dom.js';

// Every page of the built-in UI in headless Chromium, on the data `pnpm demo --ci` leaves behind:
// the demo runs as the README says (its collector, its webhook, the replay; here for at least
// 360 days, eleven closed windows), then a collector is started on its data directory with its
// configuration, and each page's numbers are compared with the read API's. Screenshots go to
// test-results/ui-demo (or INFERLENS_UI_SCREENSHOTS); any console error fails the run.

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const SHOTS = process.env.INFERLENS_UI_SCREENSHOTS ?? join(ROOT, 'test-results', 'ui-demo');
const PROJECT = 'examples';
const MODEL = 'rain-tomorrow';

/** Runs `pnpm demo --ci` to its end; resolves with its exit code and output. */
function runDemo(dataDir: string): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((res, rej) => {
    const child = spawn('pnpm', ['demo', '--ci'], {
      cwd: ROOT,
      env: { ...process.env, DEMO_COLLECTOR_PORT: '0', DEMO_WEBHOOK_PORT: '0', DEMO_DATA_DIR: dataDir, DEMO_MIN_DAYS: '360', DEMO_TIMEOUT_S: '240' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    onLines(child.stdout!, (l) => lines.push(l));
    onLines(child.stderr!, (l) => lines.push(l));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      rej(new Error(`pnpm demo --ci still running after 280 s:\n${lines.join('\n')}`));
    }, 280_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      res({ code, lines });
    });
  });
}

describe('built-in web UI on the demo’s data (headless Chromium)', () => {
  let dataDir: string;
  let rules: string;
  let demo: { code: number | null; lines: string[] };
  let collector: CollectorProcess;
  let receiver: HttpReceiver;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  const get = async (path: string, params: Record<string, string | number | undefined> = {}) => {
    const qs = new URLSearchParams(Object.entries({ project: PROJECT, ...params }).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    const r = await fetch(`${collector.url}${path}?${qs}`);
    expect(r.status, path).toBe(200);
    return (await r.json()) as any;
  };
  const ui = (hash: string) => `${collector.url}/ui/#${hash}`;
  /** The range the page shows (it fits the data), as the API's from/to. */
  const pageRange = async () => page.$eval('[data-testid=range-text]', (e) => ({ from: Number((e as HTMLElement).dataset.from), to: Number((e as HTMLElement).dataset.to) }));

  beforeAll(async () => {
    dataDir = tempDataDir('inferlens-ui-demo-');
    demo = await runDemo(dataDir);
    // Its collector is gone; a new one opens the same data with the demo's configuration, its
    // jobs brought up to date once and then quiet (an hour's interval), so nothing changes under the test.
    receiver = await startHttpReceiver();
    rules = `${dataDir}-rules.yaml`;
    writeFileSync(rules, readFileSync(join(ROOT, 'examples/demo/alert-rules.yaml'), 'utf8').replace('http://127.0.0.1:9099', receiver.url));
    const hour = '3600000';
    collector = await startCollector({
      dataDir,
      args: ['--config', join(ROOT, 'examples/demo/collector.yaml'), '--alert-rules', rules],
      env: { INFERLENS_DRIFT_INTERVAL_MS: hour, INFERLENS_SLA_INTERVAL_MS: hour, INFERLENS_QUALITY_INTERVAL_MS: hour, INFERLENS_ALERTS_EVALUATION_INTERVAL_MS: hour },
    });
    for (const job of ['drift', 'sla', 'quality']) expect((await fetch(`${collector.url}/api/v1/jobs/${job}/run`, { method: 'POST' })).status).toBe(200);
    ({ browser, page, errors } = await openBrowser());
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.stop();
    await receiver?.close();
    if (dataDir) removeDir(dataDir);
    if (rules) removeDir(rules);
  });

  it('ran `pnpm demo --ci` to exit 0, printing each of the five events once', () => {
    expect(demo.code, demo.lines.join('\n')).toBe(0);
    for (const event of ['drift', 'sla', 'quality', 'compare', 'alerts']) {
      expect(demo.lines.filter((l) => new RegExp(`\\d/5 ${event} `).test(l)), event).toHaveLength(1);
    }
    expect(demo.lines.some((l) => /all five events seen/.test(l))).toBe(true);
    expect(demo.lines.join('\n')).not.toMatch(/request failed|ELIFECYCLE|demo failed/);
  });

  it('opens on the models page with a range that fits the data, every version as the API counts it', async () => {
    await page.goto(ui(`/?project=${PROJECT}`));
    await rendered(page, 0, '[data-testid=models-table]');
    await snapshot(page, SHOTS, 'models');
    const range = await pageRange();
    const activity = await get('/api/v1/activity');
    // The range holds every prediction, with a margin of at most a few minutes.
    expect(range.from).toBeLessThanOrEqual(Date.parse(activity.firstPrediction));
    expect(range.to).toBeGreaterThan(Date.parse(activity.lastPrediction));
    expect(Date.parse(activity.firstPrediction) - range.from).toBeLessThan(5 * 60_000);
    const { models } = await get('/api/v1/models', range);
    const rows = await cellTexts(page, '[data-testid=models-table]');
    expect(rows.map((r) => [r[0], r[1], r[2], r[3], r[7]])).toEqual(models.map((m: any) => [m.model, m.version, fmt.int(m.predictions), fmt.pct(m.errorRate, 2), fmt.time(m.lastPrediction)]));
    expect(models.map((m: any) => `${m.model} ${m.version}`).sort()).toEqual([`${MODEL} v1`, `${MODEL} v2`, 'toy-writer t1']);
    // One time format: UTC, YYYY-MM-DD HH:MM:SS.
    for (const r of rows) expect(r[7]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('shows the model: a drift heatmap cell for every window and column as the drift API has it', async () => {
    await openRoute(page, `#/model/${MODEL}?project=${PROJECT}`, '[data-testid=drift-heatmap-v1]');
    await snapshot(page, SHOTS, 'model');
    const range = await pageRange();
    const drift = (await get('/api/v1/drift', { model: MODEL, from: range.from - 86_400_000, to: range.to })).results;
    for (const version of ['v1', 'v2']) {
      const cells = await page.$$eval(`[data-testid=drift-heatmap-${version}] a.cell`, (cs) => cs.map((c) => [(c as HTMLElement).dataset.row, (c as HTMLElement).dataset.window, (c as HTMLElement).dataset.drifted]));
      // Every column and the data set (`*`), every window.
      const expected = drift.filter((r: any) => r.version === version).map((r: any) => [r.source === 'dataset' ? '*' : `${r.source}:${r.feature}`, r.windowStart, r.drifted ? '1' : '0']);
      expect(cells.sort()).toEqual(expected.sort());
      // 360 days: eleven closed windows of 30 days (the twelfth waits for later data), and seasons: some drifted, some not.
      expect(new Set(cells.map((c) => c[1])).size).toBeGreaterThanOrEqual(11);
      expect(cells.some((c) => c[2] === '1')).toBe(true);
      expect(cells.some((c) => c[2] === '0')).toBe(true);
    }
    // The latest window per column, with p-values in scientific notation.
    const latest = await cellTexts(page, '[data-testid=drift-table]');
    const ks = latest.find((r) => r[0] === 'v2' && r[2] === 'ks' && !r[1]!.startsWith('output '))!;
    expect(ks[4]).toMatch(/^\d\.\d{2}e[+-]\d+$/);
    const newestKs = drift.filter((r: any) => r.version === 'v2' && r.source === 'feature' && r.feature === ks[1]).at(-1);
    expect(ks[3]).toBe(fmt.num(newestKs.statistic));
    expect(ks[4]).toBe(fmt.p(newestKs.pValue));
  });

  it('lists each city of each version in the segment table, with the figures of /api/v1/segments', async () => {
    const range = await pageRange();
    await rendered(page, 0, '[data-testid=segments-table]');
    const { segments } = await get('/api/v1/segments', { model: MODEL, from: range.from - 86_400_000, to: range.to });
    const pairs = segments.map((s: any) => `${s.version} ${s.segment}`).sort();
    expect(pairs).toEqual(['v1 New York', 'v1 Seattle', 'v2 New York', 'v2 Seattle']);
    const rows = await cellTexts(page, '[data-testid=segments-table]');
    expect(rows.map((r) => `${r[1]} ${r[0]}`).sort()).toEqual(pairs);
    for (const s of segments) {
      const row = rows.find((r) => r[0] === s.segment && r[1] === s.version)!;
      expect(row[3], `${s.version} ${s.segment}`).toBe(`${fmt.int(s.drift.latest.driftedColumns)} / ${fmt.int(s.drift.latest.columns)}`);
      expect(row[5], `${s.version} ${s.segment}`).toBe(`${fmt.int(s.drift.driftedWindows)} / ${fmt.int(s.drift.windows)}`);
    }
  });

  it('shows quality over windows, not only the newest, as the quality API computed it', async () => {
    const range = await pageRange();
    const quality = (await get('/api/v1/quality', { model: MODEL, from: range.from - 86_400_000, to: range.to })).results;
    const rows = await cellTexts(page, '[data-testid=quality-table]');
    const newest = [...quality].sort((a: any, b: any) => b.windowStart.localeCompare(a.windowStart) || a.version.localeCompare(b.version)).slice(0, 24);
    expect(rows.map((r) => [r[0], r[1], r[3], r[4], r[6], r[8]])).toEqual(
      newest.map((q: any) => [fmt.time(q.windowStart), q.version, fmt.int(q.labelled), fmt.pct(q.labelCoverage), fmt.num(q.classification.accuracy), fmt.num(q.classification.rocAuc)]),
    );
    // Accuracy and ROC AUC are there (the positive class is `rain`), labelled windows as well as the newest.
    expect(rows.filter((r) => r[6] !== '–' && r[8] !== '–').length).toBeGreaterThanOrEqual(16);
    // v2's winter drop is in the data: a window under 0.5.
    expect(quality.some((q: any) => q.version === 'v2' && q.classification.accuracy !== null && q.classification.accuracy < 0.5)).toBe(true);
    for (const id of ['chart-accuracy', 'chart-roc-auc', 'chart-label-coverage', 'chart-label-delay']) {
      expect(await page.$$eval(`[data-testid=${id}] canvas`, (cs) => cs.length), id).toBeGreaterThan(0);
    }
  });

  it('shows the SLA: the latest window per SLO and version, error budget and burn rates over time', async () => {
    const range = await pageRange();
    const sla = (await get('/api/v1/sla', { model: MODEL, from: range.from - 86_400_000, to: range.to })).results;
    const latest = new Map<string, any>();
    for (const r of sla) if (!latest.has(`${r.slo} ${r.version}`) || latest.get(`${r.slo} ${r.version}`).windowStart < r.windowStart) latest.set(`${r.slo} ${r.version}`, r);
    const rows = await cellTexts(page, '[data-testid=sla-table]');
    expect(rows.map((r) => [r[0], r[1], r[2], r[5], r[7], r[9]]).sort()).toEqual(
      [...latest.values()].map((r) => [r.slo, r.version, fmt.time(r.windowStart), fmt.pct(r.errorRate, 2), fmt.pct(r.errorBudget.remaining), r.breached ? 'breached' : 'met']).sort(),
    );
    // v2 breached its SLO in winter: errors (snow it never saw).
    expect(sla.some((r: any) => r.version === 'v2' && r.breached && !r.objectives.errorRate.met)).toBe(true);
    for (const id of ['chart-error-budget', 'chart-burn-long', 'chart-burn-short']) {
      expect(await page.$$eval(`[data-testid=${id}] canvas`, (cs) => cs.length), id).toBeGreaterThan(0);
    }
  });

  it('opens a feature from the heatmap: reference and window side by side as the distributions API bins them', async () => {
    // The first drifted cell of temp_max in v1.
    const href = await page.$eval('[data-testid=drift-heatmap-v1] a.cell[data-drifted="1"][data-row="feature:temp_max"]', (a) => (a as HTMLAnchorElement).getAttribute('href')!);
    const windowStart = Number(new URLSearchParams(href.split('?')[1]).get('window'));
    await openRoute(page, href, '[data-testid=dist-current]');
    await snapshot(page, SHOTS, 'feature');
    expect(await page.$eval('[data-testid=feature-title]', (e) => e.textContent)).toBe('temp_max');
    const window = (await get('/api/v1/drift', { model: MODEL, version: 'v1', feature: 'temp_max', from: windowStart, to: windowStart + 1 })).results[0];
    const [summary] = await cellTexts(page, '[data-testid=feature-window]');
    expect(summary!.slice(0, 4)).toEqual([window.method, fmt.num(window.statistic), fmt.p(window.pValue), `≥ ${fmt.num(window.threshold)}`]);
    expect(summary![5]).toBe('drifted');
    const d = await get('/api/v1/distributions', { model: MODEL, version: 'v1', feature: 'temp_max', source: 'feature', from: Date.parse(window.windowStart), to: Date.parse(window.windowEnd) });
    expect(d.distribution.kind).toBe('numeric');
    const bars = async (id: string) => page.$$eval(`[data-testid=${id}] rect`, (rs) => rs.map((r) => Number(r.getAttribute('data-value'))));
    expect(await bars('dist-reference')).toEqual(d.distribution.reference.counts);
    expect(await bars('dist-current')).toEqual(d.distribution.current.counts);
    // The window holds its 60 predictions (30 days, two cities); the reference the 1,462 training days.
    expect(d.distribution.current.count).toBe(window.currentRows);
    expect(d.distribution.reference.count).toBe(window.referenceRows);
    const stats = await cellTexts(page, '[data-testid=distribution-summary]');
    expect(stats.map((r) => [r[0], r[1], r[3]])).toEqual([
      ['reference', fmt.int(d.reference.rows), fmt.num(d.distribution.reference.mean)],
      ['window', fmt.int(d.current.rows), fmt.num(d.distribution.current.mean)],
    ]);
    // The statistic per window against the threshold, and the data-quality measures.
    expect(await page.$$eval('[data-testid=chart-drift-statistic] canvas', (cs) => cs.length)).toBeGreaterThan(0);
    expect(await page.$$eval('[data-testid=chart-data-quality] canvas', (cs) => cs.length)).toBeGreaterThan(0);
  });

  it('shows a categorical column as bars per category, decided by chi-square for v2’s small reference', async () => {
    await openRoute(page, `#/feature/${MODEL}/feature/weather?project=${PROJECT}&version=v2`, '[data-testid=dist-current]');
    await snapshot(page, SHOTS, 'feature-categorical');
    const labels = await page.$$eval('[data-testid=dist-reference] text', (ts) => ts.map((t) => t.textContent));
    // v2 learnt from summer: no snow in its reference.
    expect(labels).toContain('sun');
    expect(await page.$eval('[data-testid=feature-window] td', (e) => e.textContent)).toBe('chi-square');
  });

  it('opens a failed shadow prediction’s trace: the waterfall, the error, and the trace’s predictions', async () => {
    const { predictions } = await get('/api/v1/predictions', { model: MODEL, version: 'v2', limit: 10000 });
    const failed = predictions.find((p: any) => p.status === 'error');
    expect(failed.errorType).toBe('UnknownCategory');
    await openRoute(page, `#/trace/${failed.traceId}?project=${PROJECT}&span=${failed.spanId}`, '[data-testid=waterfall]');
    await snapshot(page, SHOTS, 'trace');
    const trace = await get(`/api/v1/traces/${failed.traceId}`);
    // Request, lookup, both predictions and the toy writer's summary, parents first.
    const names = await page.$$eval('[data-testid=span-row] .wf-name', (ns) => ns.map((n) => n.firstChild!.textContent));
    expect(names).toEqual(['GET /forecast', 'load observations', 'predict rain-tomorrow', 'predict rain-tomorrow', 'chat toy-writer']);
    expect(names.length).toBe(trace.spans.length);
    const durations = await page.$$eval('[data-testid=span-row]', (rs) => rs.map((r) => [(r as HTMLElement).dataset.span, r.querySelector('[data-testid=span-duration]')!.textContent]));
    for (const [id, text] of durations) expect(text).toBe(fmt.ms(Number(trace.spans.find((s: any) => s.spanId === id).durationNano) / 1e6));
    // The chosen span is the failed prediction's: error status, the exception event, its attributes.
    const span = trace.spans.find((s: any) => s.spanId === failed.spanId);
    expect(await page.$eval('[data-testid=span-summary] .pill.bad', (e) => e.textContent)).toBe(`error: ${span.status.message}`);
    expect((await cellTexts(page, '[data-testid=span-events]')).map((r) => r[1])).toEqual(['exception']);
    const kv = await page.$$eval('[data-testid=span-attributes] tr', (rs) => rs.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent]));
    expect(Object.fromEntries(kv)).toMatchObject({ 'inferlens.prediction.id': failed.predictionId, 'inferlens.model.version': 'v2', 'error.type': 'UnknownCategory' });
    // The trace links back to its predictions, with their truth.
    const linked = await get(`/api/v1/traces/${failed.traceId}/predictions`);
    const rows = await cellTexts(page, '[data-testid=trace-predictions]');
    expect(rows.map((r) => [r[1], r[2], r[4]])).toEqual(linked.predictions.map((p: any) => [p.model, p.version, p.status === 'error' ? p.errorType : 'ok']));
    expect(rows.map((r) => r[6])).toEqual(linked.predictions.map((p: any) => p.feedback?.label ?? 'not yet'));
    // The toy writer's span: gen_ai attributes and its first token.
    const chat = trace.spans.find((s: any) => s.name === 'chat toy-writer');
    expect(chat.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'toy-writer', 'gen_ai.response.model': 'toy-writer-0.1' });
    expect(Number(chat.attributes['inferlens.stream.time_to_first_chunk_ms'])).toBeGreaterThan(0);
    expect(chat.events.map((e: any) => e.name)).toContain('inferlens.first_chunk');
  });

  it('opens a prediction from its trace: features and outputs as key/value tables, its truth', async () => {
    const linked = await page.$$eval('[data-testid=trace-prediction-link]', (as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')!));
    const v1 = linked[0]!;
    await openRoute(page, v1, '[data-testid=prediction-features]');
    await snapshot(page, SHOTS, 'prediction');
    const id = decodeURIComponent(v1.split('/')[2]!.split('?')[0]!);
    const [p] = (await get('/api/v1/predictions', { predictionId: id })).predictions;
    const kv = async (testid: string) => Object.fromEntries(await page.$$eval(`[data-testid=${testid}] tr`, (rs) => rs.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent])));
    expect(await kv('prediction-features')).toEqual(Object.fromEntries(Object.entries({ ...p.numericFeatures, ...p.categoricalFeatures }).map(([k, v]) => [k, fmt.value(v)])));
    expect(await kv('prediction-outputs')).toEqual(Object.fromEntries(Object.entries({ ...p.numericOutputs, ...p.categoricalOutputs }).map(([k, v]) => [k, fmt.value(v)])));
    const { feedback } = await get('/api/v1/feedback', { predictionId: id });
    const [summary] = await cellTexts(page, '[data-testid=prediction-summary]');
    expect(summary![7]).toBe(feedback[0]?.label ?? 'not yet');
    expect(await page.$eval('[data-testid=prediction-trace-link]', (a) => (a as HTMLAnchorElement).getAttribute('href'))).toContain(`#/trace/${p.traceId}`);
  });

  it('shows the toy writer’s tokens and time to first token per prediction', async () => {
    await openRoute(page, `#/model/toy-writer?project=${PROJECT}`, '[data-testid=predictions-table]');
    await snapshot(page, SHOTS, 'model-toy-writer');
    const range = await pageRange();
    const { predictions } = await get('/api/v1/predictions', { model: 'toy-writer', from: Math.floor(range.from), to: Math.ceil(range.to), limit: 20 });
    const rows = await cellTexts(page, '[data-testid=predictions-table]');
    expect(rows.map((r) => [r[7], r[8]])).toEqual(
      predictions.map((p: any) => [`${fmt.int(p.inputTokens)} / ${fmt.int(p.outputTokens)}`, fmt.ms(Number(p.attributes['inferlens.stream.time_to_first_chunk_ms']))]),
    );
    expect(predictions[0].outputTokens).toBeGreaterThan(5);
  });

  it('compares v2 with v1 over the range: worse, with the API’s values, intervals and p-values', async () => {
    await openRoute(page, `#/model/${MODEL}?project=${PROJECT}`, '[data-testid=compare-link]');
    const range = await pageRange();
    await page.click('[data-testid=compare-link]');
    await page.waitForSelector('[data-testid=compare-table]', { timeout: 15_000 });
    await snapshot(page, SHOTS, 'compare');
    expect(page.url()).toMatch(/#\/compare\?.*model=rain-tomorrow.*a=v1.*b=v2/);
    const c = await get('/api/v1/compare', { model: MODEL, a: 'v1', b: 'v2', from: Math.floor(range.from), to: Math.ceil(range.to) });
    expect(c.verdict).toBe('worse');
    expect(await page.$eval('[data-testid=compare-verdict] .pill', (e) => e.textContent)).toBe('worse');
    const rows = await page.$$eval('[data-testid=compare-table] tbody tr', (rs) => rs.map((r) => [(r as HTMLElement).dataset.dimension, ...[...r.querySelectorAll('td')].map((td) => td.textContent)]));
    const dims: Record<string, any> = { latency: c.latency, errorRate: c.errorRate, ...c.quality };
    expect(rows.map((r) => r[0]).sort()).toEqual(Object.keys(dims).filter((k) => dims[k]).sort());
    for (const r of rows) {
      const d = dims[r[0]!];
      expect(r[6], r[0]).toBe(fmt.p(d.pValue));
      expect(r[9], r[0]).toBe(d.verdict);
    }
    // Slower, failing in winter, and less accurate.
    expect(c.latency.verdict).toBe('worse');
    expect(c.errorRate.verdict).toBe('worse');
    expect(c.quality.accuracy.b).toBeLessThan(c.quality.accuracy.a);
  });

  it('lists the story’s alerts in the transitions', async () => {
    await openRoute(page, `#/alerts?project=${PROJECT}`, '[data-testid=history-table]');
    await snapshot(page, SHOTS, 'alerts');
    const fired = new Set((await cellTexts(page, '[data-testid=history-table]')).filter((r) => r[2] === 'pending → firing' || r[2] === 'inactive → firing').map((r) => r[1]));
    for (const rule of ['FeatureDrift', 'SloBreached', 'QualityDrop']) expect(fired.has(rule), rule).toBe(true);
  });

  it('raised no console error on any page', () => {
    expect(errors).toEqual([]);
  });
});
