// The five things the demo is there to show, watched through the collector's read API and the
// demo's webhook: drift, an SLA breach, a quality drop, a `worse` verdict for the candidate, and
// alerts delivered. Each is reported once, when first seen.

/** The events, in the order they are listed. */
export const EVENTS = ['drift', 'sla', 'quality', 'compare', 'alerts'];

/** Rules whose delivery counts as "alerts delivered". */
export const STORY_RULES = ['FeatureDrift', 'SloBreached', 'QualityDrop'];

const fmt = (x, d = 3) => (x === null || x === undefined ? '–' : Number(x).toPrecision(d));
const pct = (x) => `${(x * 100).toFixed(1)} %`;
const sci = (p) => (p === null || p === undefined ? '–' : p === 0 ? '0' : p < 0.001 ? p.toExponential(1) : p.toPrecision(2));

/**
 * Watches the collector for the story's events.
 * @param {object} options
 * @param {string} options.collector base URL
 * @param {string} options.project
 * @param {string} options.model
 * @param {string} options.baseline version a of the comparison
 * @param {string} options.candidate version b
 * @param {number} options.fromMs start of the replay (event time), for the comparison's range
 * @param {number} options.qualityThreshold accuracy under which a window counts as a quality drop (the QualityDrop rule's)
 * @param {(windowStartIso: string) => string} options.describeWindow the data set's dates of a window
 * @param {(event: string, line: string) => void} options.onEvent called once per event
 */
export function createStory({ collector, project, model, baseline, candidate, fromMs, qualityThreshold, describeWindow, onEvent }) {
  /** @type {Map<string, string>} */
  const seen = new Map();
  const delivered = new Set();
  let notifications = 0;
  const get = async (path, params) => {
    const res = await fetch(`${collector}${path}?${new URLSearchParams({ project, model, ...params })}`);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const report = (event, line) => {
    if (seen.has(event)) return;
    seen.set(event, line);
    onEvent(event, line);
  };

  async function checkDrift() {
    const { results } = await get('/api/v1/drift', { source: 'feature', drifted: 'true', limit: '1' });
    const r = results[0];
    if (r) report('drift', `${r.feature} of ${model} ${r.version} drifted in the window of ${describeWindow(r.windowStart)} (${r.method} ${fmt(r.statistic)}${r.pValue === null ? '' : `, p = ${sci(r.pValue)}`}, threshold ${fmt(r.threshold, 2)})`);
  }

  async function checkSla() {
    const { results } = await get('/api/v1/sla', { breached: 'true', limit: '1' });
    const r = results[0];
    if (!r) return;
    const o = r.objectives;
    const broken = [
      o.errorRate && !o.errorRate.met ? `error rate ${pct(o.errorRate.observed)} > ${pct(o.errorRate.max)}` : null,
      o.availability && !o.availability.met ? `availability ${pct(o.availability.observed)} < ${pct(o.availability.target)}` : null,
      o.latency && !o.latency.met ? `p${o.latency.percentile} ${fmt(o.latency.observedMs)} ms > ${o.latency.thresholdMs} ms` : null,
    ].filter(Boolean);
    report('sla', `SLO ${r.slo} breached by ${model} ${r.version} in the window of ${describeWindow(r.windowStart)}: ${broken.join(', ')}`);
  }

  async function checkQuality() {
    const { results } = await get('/api/v1/quality', {});
    const r = results.find((q) => q.classification.accuracy !== null && q.classification.accuracy < qualityThreshold);
    if (r) report('quality', `accuracy of ${model} ${r.version} fell to ${fmt(r.classification.accuracy, 2)} (< ${qualityThreshold}; ROC AUC ${fmt(r.classification.rocAuc, 2)}, ${r.labelled} labelled) in the window of ${describeWindow(r.windowStart)}`);
  }

  async function checkCompare() {
    const c = await get('/api/v1/compare', { a: baseline, b: candidate, from: String(fromMs), to: String(Date.now()) });
    if (c.verdict !== 'worse') return;
    const dims = [
      ['latency', c.latency],
      ['error rate', c.errorRate],
      ...Object.entries(c.quality ?? {}).map(([k, v]) => [k, v]),
    ].filter(([, d]) => d?.verdict === 'worse');
    report('compare', `${candidate} against ${baseline}: worse — ${dims.map(([k, d]) => `${k} ${fmt(d.a)} → ${fmt(d.b)} (p = ${sci(d.pValue)})`).join('; ')}`);
  }

  return {
    /** Events seen so far, with their lines. */
    seen,
    /** Webhook notifications received. */
    get notifications() {
      return notifications;
    },
    /** Takes one Alertmanager-shaped webhook payload. */
    onWebhook(payload) {
      for (const a of payload.alerts ?? []) {
        notifications++;
        if (a.status === 'firing') delivered.add(a.labels?.alertname);
      }
      if (STORY_RULES.every((r) => delivered.has(r))) report('alerts', `the webhook received ${STORY_RULES.join(', ')} (${notifications} notifications so far)`);
    },
    /** Looks for the events not seen yet; failures are left for the next call. */
    async poll() {
      const checks = { drift: checkDrift, sla: checkSla, quality: checkQuality, compare: checkCompare };
      await Promise.all(Object.entries(checks).filter(([e]) => !seen.has(e)).map(([, check]) => check().catch(() => {})));
    },
    /** True once every event was seen. */
    done: () => EVENTS.every((e) => seen.has(e)),
  };
}
