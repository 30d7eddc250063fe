import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { writeApiKey } from '../store/repositories/api-keys.js';
import { ROUTE_ACCESS } from './auth-routes.js';

// Every endpoint of the collector × every kind of caller, in-process on the whole collector with
// the embedded engine and `auth.mode: required`: the status each gets, and, where a call must
// not act, that nothing was stored, changed or shown. Project `acme` holds the data the callers
// go after; `other` is another team's project.

const ADMIN = 'bootstrap-admin-key-for-the-matrix-test';
const dir = mkdtempSync(join(tmpdir(), 'inferlens-auth-matrix-'));
const rules = join(dir, 'rules.yaml');
writeFileSync(rules, 'rules: []\n');

/** The callers: no key, a key of another project (every scope), acme's ingest, read and admin keys, a revoked acme key, the bootstrap admin (every project). */
const WHO = ['none', 'other', 'ingest', 'read', 'admin', 'revoked', 'global'] as const;
type Who = (typeof WHO)[number];
type Expected = Record<Who, number>;

const INGEST: Expected = { none: 401, other: 403, ingest: 200, read: 403, admin: 403, revoked: 401, global: 200 };
const READ: Expected = { none: 401, other: 403, ingest: 403, read: 200, admin: 200, revoked: 401, global: 200 };
/** A read without a project parameter: another project's key sees its own (nothing of acme's). */
const READ_OWN: Expected = { ...READ, other: 200 };
const ADMIN_ONLY: Expected = { none: 401, other: 403, ingest: 403, read: 403, admin: 200, revoked: 401, global: 200 };
const ALL_PROJECTS_READ: Expected = { none: 401, other: 403, ingest: 403, read: 403, admin: 403, revoked: 401, global: 200 };
const ALL_PROJECTS_ADMIN = ALL_PROJECTS_READ;
const OPEN: Expected = { none: 200, other: 200, ingest: 200, read: 200, admin: 200, revoked: 200, global: 200 };

const keys: Partial<Record<Who, string>> = { global: ADMIN };
const keyIds: Partial<Record<Who, string>> = {};
let app: FastifyInstance;

const NOW = Date.now();
const TRACE = '5b8efff798038103d269b633813fc60c';
const SECRET = 'acme-secret-value';
const str = (s: string) => ({ stringValue: s });
const kv = (o: Record<string, string>) => ({ kvlistValue: { values: Object.entries(o).map(([key, v]) => ({ key, value: str(v) })) } });
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

function spans(spanId: string): string {
  const span = { traceId: TRACE, spanId, name: 'predict', kind: 1, startTimeUnixNano: ns(NOW - 60_000), endTimeUnixNano: ns(NOW - 59_000) };
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: str('svc') }] }, scopeSpans: [{ spans: [span] }] }] });
}
function logs(id: string): string {
  const records = [
    { timeUnixNano: ns(NOW - 60_000), body: str(`log ${id}`) },
    { timeUnixNano: ns(NOW - 60_000), eventName: 'inferlens.prediction', body: kv({ predictionId: id, model: 'fraud' }) },
  ];
  return JSON.stringify({ resourceLogs: [{ resource: {}, scopeLogs: [{ logRecords: records }] }] });
}
function metrics(name: string): string {
  const point = { timeUnixNano: ns(NOW - 60_000), asDouble: 1.5 };
  return JSON.stringify({ resourceMetrics: [{ resource: {}, scopeMetrics: [{ metrics: [{ name, gauge: { dataPoints: [point] } }] }] }] });
}
const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n');

async function call(who: Who, options: InjectOptions): Promise<LightMyRequestResponse> {
  const key = keys[who];
  return app.inject({ ...options, headers: { ...(options.headers as Record<string, string>), ...(key ? { authorization: `Bearer ${key}` } : {}) } });
}

async function createKey(by: string, body: object): Promise<{ id: string; key: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/keys', payload: body, headers: { authorization: `Bearer ${by}` } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function count(sql: string, params: Record<string, unknown> = {}): Promise<number> {
  const [row] = await app.store.query<{ n: string | number }>(sql, params);
  return Number(row!.n);
}

beforeAll(async () => {
  app = await buildApp(
    loadConfig({ env: { INFERLENS_DATA_DIR: join(dir, 'data'), INFERLENS_AUTH_MODE: 'required', INFERLENS_ADMIN_KEY: ADMIN, INFERLENS_ALERTS_RULES_FILE: rules }, flags: {} }),
    { logger: false },
  );
  await app.ready();
  for (const [who, project, scopes] of [
    ['other', 'other', ['ingest', 'read', 'admin']],
    ['ingest', 'acme', ['ingest']],
    ['read', 'acme', ['read']],
    ['admin', 'acme', ['admin']],
    ['revoked', 'acme', ['ingest', 'read', 'admin']],
  ] as const) {
    const k = await createKey(ADMIN, { project, scopes, name: `${who} key` });
    keys[who] = k.key;
    keyIds[who] = k.id;
  }
  const revoked = await app.inject({ method: 'DELETE', url: `/api/v1/keys/${keyIds.revoked}`, headers: { authorization: `Bearer ${ADMIN}` } });
  expect(revoked.statusCode, revoked.body).toBe(200);

  // acme's data, and other's, written with each project's own ingest path.
  const seed = async (project: string, key: string) => {
    const predictions = Array.from({ length: 40 }, (_, i) => ({
      predictionId: `${project}-seed-${i}`,
      model: 'fraud',
      version: 'v1',
      timestamp: NOW - 120_000 + i * 1000,
      traceId: project === 'acme' ? TRACE : undefined,
      features: { amount: i, email: project === 'acme' ? SECRET : 'other-value' },
    }));
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson', 'x-inferlens-project': project };
    for (const [url, payload] of [
      ['/v1/predictions', ndjson(predictions)],
      ['/v1/feedback', ndjson([{ predictionId: `${project}-seed-0`, label: 'yes' }])],
      [`/v1/references?model=fraud&version=v1&project=${project}`, ndjson(predictions.map((p) => ({ features: p.features })))],
    ] as const) {
      const res = await app.inject({ method: 'POST', url, payload, headers });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
    const otlp = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-inferlens-project': project };
    expect((await app.inject({ method: 'POST', url: '/v1/traces', payload: spans(project === 'acme' ? 'aaaaaaaaaaaaaaaa' : 'bbbbbbbbbbbbbbbb'), headers: otlp })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/logs', payload: logs(`${project}-log`), headers: otlp })).statusCode).toBe(200);
  };
  await seed('acme', ADMIN);
  await seed('other', keys.other!);
});

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One row of the matrix: a request (made per caller, so a write can be told apart) and the expected status per caller. */
interface Row {
  name: string;
  request: (who: Who) => InjectOptions | Promise<InjectOptions>;
  expected: Expected;
}

const q = `project=acme&from=${NOW - 3_600_000}&to=${NOW + 60_000}`;
const get = (url: string): Row['request'] => () => ({ method: 'GET', url });

const ROWS: Row[] = [
  { name: 'GET /healthz', request: get('/healthz'), expected: OPEN },
  { name: 'GET /readyz', request: get('/readyz'), expected: OPEN },
  { name: 'GET /ui/', request: get('/ui/'), expected: OPEN },
  { name: 'GET /ui/app.js', request: get('/ui/app.js'), expected: OPEN },
  { name: 'GET /ui/vendor/uplot/uPlot.esm.js', request: get('/ui/vendor/uplot/uPlot.esm.js'), expected: OPEN },
  { name: 'GET /metrics', request: get('/metrics'), expected: ALL_PROJECTS_READ },
  { name: 'GET /api/v1/whoami', request: get('/api/v1/whoami'), expected: { ...OPEN, none: 401, revoked: 401 } },
  {
    name: 'POST /v1/predictions',
    request: (who) => ({ method: 'POST', url: '/v1/predictions', payload: ndjson([{ predictionId: `m-${who}`, model: 'fraud', version: 'v1', features: { x: 1 } }]), headers: { 'content-type': 'application/x-ndjson', 'x-inferlens-project': 'acme' } }),
    expected: INGEST,
  },
  {
    name: 'POST /v1/feedback',
    request: (who) => ({ method: 'POST', url: '/v1/feedback', payload: ndjson([{ predictionId: `m-${who}`, label: 'yes' }]), headers: { 'content-type': 'application/x-ndjson', 'x-inferlens-project': 'acme' } }),
    expected: INGEST,
  },
  {
    name: 'POST /v1/traces',
    request: (who) => ({ method: 'POST', url: '/v1/traces', payload: spans(Buffer.from(who.padEnd(8, '0')).toString('hex').slice(0, 16)), headers: { 'content-type': 'application/json', 'x-inferlens-project': 'acme' } }),
    expected: INGEST,
  },
  {
    name: 'POST /v1/logs',
    request: (who) => ({ method: 'POST', url: '/v1/logs', payload: logs(`m-log-${who}`), headers: { 'content-type': 'application/json', 'x-inferlens-project': 'acme' } }),
    expected: INGEST,
  },
  {
    name: 'POST /v1/metrics',
    request: (who) => ({ method: 'POST', url: '/v1/metrics', payload: metrics(`m.${who}`), headers: { 'content-type': 'application/json', 'x-inferlens-project': 'acme' } }),
    expected: INGEST,
  },
  { name: 'GET /api/v1/predictions', request: get(`/api/v1/predictions?${q}`), expected: READ },
  { name: 'GET /api/v1/logs', request: get('/api/v1/logs?project=acme'), expected: READ },
  // Both projects have a span in this trace: each sees its own.
  { name: 'GET /api/v1/traces/:traceId', request: get(`/api/v1/traces/${TRACE}`), expected: READ_OWN },
  { name: 'GET /api/v1/traces/:traceId/predictions', request: get(`/api/v1/traces/${TRACE}/predictions?project=acme`), expected: READ },
  { name: 'GET /api/v1/feedback', request: get('/api/v1/feedback?project=acme&predictionId=acme-seed-0'), expected: READ },
  { name: 'GET /api/v1/projects', request: get(`/api/v1/projects?from=${NOW - 3_600_000}`), expected: READ_OWN },
  { name: 'GET /api/v1/models', request: get(`/api/v1/models?${q}`), expected: READ },
  { name: 'GET /api/v1/timeseries', request: get(`/api/v1/timeseries?${q}&model=fraud`), expected: READ },
  { name: 'GET /api/v1/activity', request: get('/api/v1/activity?project=acme'), expected: READ },
  { name: 'GET /api/v1/distributions', request: get(`/api/v1/distributions?${q}&model=fraud&version=v1&feature=amount`), expected: READ },
  { name: 'GET /api/v1/drift', request: get('/api/v1/drift?project=acme&model=fraud'), expected: READ },
  { name: 'GET /api/v1/data-quality', request: get('/api/v1/data-quality?project=acme&model=fraud'), expected: READ },
  { name: 'GET /api/v1/sla', request: get('/api/v1/sla?project=acme&model=fraud'), expected: READ },
  { name: 'GET /api/v1/quality', request: get('/api/v1/quality?project=acme&model=fraud'), expected: READ },
  { name: 'GET /api/v1/segments', request: get('/api/v1/segments?project=acme&model=fraud'), expected: READ },
  { name: 'GET /api/v1/compare', request: get(`/api/v1/compare?${q}&model=fraud&a=v1&b=v2`), expected: READ },
  { name: 'GET /api/v1/references', request: get('/api/v1/references?project=acme'), expected: READ },
  { name: 'GET /api/v1/jobs', request: get('/api/v1/jobs'), expected: READ_OWN },
  { name: 'GET /api/v1/alerts', request: get('/api/v1/alerts'), expected: READ_OWN },
  { name: 'GET /api/v1/alerts/history', request: get('/api/v1/alerts/history'), expected: READ_OWN },
  { name: 'GET /api/v1/alerts/notifications', request: get('/api/v1/alerts/notifications'), expected: ALL_PROJECTS_READ },
  { name: 'GET /api/v1/rules', request: get('/api/v1/rules'), expected: ALL_PROJECTS_READ },
  {
    name: 'POST /v1/references',
    request: (who) => ({ method: 'POST', url: `/v1/references?project=acme&model=fraud&version=up-${who}`, payload: ndjson([{ amount: 1 }, { amount: 2 }]), headers: { 'content-type': 'application/x-ndjson' } }),
    expected: ADMIN_ONLY,
  },
  {
    name: 'POST /api/v1/references/pin',
    request: (who) => ({ method: 'POST', url: '/api/v1/references/pin', payload: { project: 'acme', model: 'fraud', version: `pin-${who}`, sourceVersion: 'v1', from: String(NOW - 3_600_000), to: String(NOW + 60_000) } }),
    expected: ADMIN_ONLY,
  },
  {
    name: 'DELETE /api/v1/references',
    request: async (who) => {
      // A reference of its own to delete, made by the bootstrap admin.
      const made = await app.inject({ method: 'POST', url: `/v1/references?project=acme&model=fraud&version=del-${who}`, payload: ndjson([{ amount: 1 }]), headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-ndjson' } });
      expect(made.statusCode, made.body).toBe(200);
      return { method: 'DELETE', url: `/api/v1/references?project=acme&model=fraud&version=del-${who}` };
    },
    expected: ADMIN_ONLY,
  },
  { name: 'POST /api/v1/jobs/drift/run', request: () => ({ method: 'POST', url: '/api/v1/jobs/drift/run' }), expected: { ...ADMIN_ONLY, other: 200 } },
  { name: 'POST /api/v1/jobs/sla/run', request: () => ({ method: 'POST', url: '/api/v1/jobs/sla/run' }), expected: { ...ADMIN_ONLY, other: 200 } },
  { name: 'POST /api/v1/jobs/quality/run', request: () => ({ method: 'POST', url: '/api/v1/jobs/quality/run' }), expected: { ...ADMIN_ONLY, other: 200 } },
  { name: 'POST /api/v1/rules/reload', request: () => ({ method: 'POST', url: '/api/v1/rules/reload' }), expected: ALL_PROJECTS_ADMIN },
  { name: 'POST /api/v1/keys', request: (who) => ({ method: 'POST', url: '/api/v1/keys', payload: { project: 'acme', scopes: ['read'], name: `made by ${who}` } }), expected: ADMIN_ONLY },
  { name: 'GET /api/v1/keys', request: get('/api/v1/keys'), expected: { ...ADMIN_ONLY, other: 200 } },
  {
    name: 'DELETE /api/v1/keys/:id',
    request: async (who) => {
      const victim = await createKey(ADMIN, { project: 'acme', scopes: ['read'], name: `victim of ${who}` });
      return { method: 'DELETE', url: `/api/v1/keys/${victim.id}` };
    },
    expected: { ...ADMIN_ONLY, other: 404 },
  },
  // Last but one: it reads what the rows above did.
  { name: 'GET /api/v1/audit', request: get('/api/v1/audit'), expected: { ...ADMIN_ONLY, other: 200 } },
  { name: 'GET /api/v1/no-such-route', request: get('/api/v1/no-such-route'), expected: { none: 401, other: 404, ingest: 404, read: 404, admin: 404, revoked: 401, global: 404 } },
];

/** Every response of the matrix, by row and caller. */
const answers = new Map<string, Map<Who, LightMyRequestResponse>>();

describe('access control: every endpoint × every caller', () => {
  it('sees every route of the collector, those registered before the auth plugin too (they would escape its hooks)', () => {
    // Fastify's own route tree, flattened: one `METHOD /path` per route (HEAD as GET).
    const all = new Set<string>();
    const stack: string[] = [];
    for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^((?:│   |    )*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
      if (!m) continue;
      const depth = m[1]!.length / 4;
      stack.length = depth;
      const path = (stack[depth - 1] ?? '') + m[2]!;
      stack.push(path);
      for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD' && x !== 'OPTIONS')) all.add(`${method} ${path}`);
    }
    expect(all.size).toBeGreaterThan(30);
    // (The tree prints a wildcard without the slash before it: `/ui*` for `/ui/*`.)
    const seen = new Set([...app.auth.routes].map((r) => r.replace(/\/\*$/, '*')));
    expect([...all].filter((r) => !seen.has(r.replace(/\/\*$/, '*')))).toEqual([]);
  });

  it('has a rule for every route of the collector, a rule only for routes that exist, and a row for every rule', () => {
    expect([...app.auth.routes].filter((r) => !(r in ROUTE_ACCESS))).toEqual([]);
    expect(Object.keys(ROUTE_ACCESS).filter((r) => !app.auth.routes.has(r))).toEqual([]);
    const tested = new Set(ROWS.map((r) => r.name));
    const untested = Object.keys(ROUTE_ACCESS).filter((r) => !tested.has(r) && !r.startsWith('GET /ui') && r !== 'GET /');
    expect(untested).toEqual([]);
  });

  it.each(ROWS)('$name', async (row) => {
    const got = new Map<Who, LightMyRequestResponse>();
    for (const who of WHO) {
      const res = await call(who, await row.request(who));
      got.set(who, res);
      expect(res.statusCode, `${row.name} as ${who}: ${res.body.slice(0, 300)}`).toBe(row.expected[who]);
      if (res.statusCode === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="inferlens"/);
      // A caller that must not see acme's data never does, whatever it is answered (an error
      // message may quote the caller's own request, never stored data).
      // (whoami names the caller's own key and project.)
      if (who !== 'read' && who !== 'admin' && who !== 'global' && row.name !== 'GET /api/v1/whoami') {
        expect(res.body, `${row.name} as ${who} shows acme's data`).not.toContain(SECRET);
        if (res.statusCode < 400) for (const acme of ['acme-seed', '"project":"acme"', 'aaaaaaaaaaaaaaaa']) expect(res.body, `${row.name} as ${who} shows acme's data`).not.toContain(acme);
      }
    }
    answers.set(row.name, got);
  });
});

describe('nothing stored or changed where a call was refused', () => {
  const refused = (row: string) => WHO.filter((w) => ROWS.find((r) => r.name === row)!.expected[w] >= 400);

  it('predictions, feedback, spans and logs: only the allowed callers wrote into acme, and nobody into another project', async () => {
    for (const who of WHO) {
      const allowed = INGEST[who] === 200;
      expect(await count("SELECT count() AS n FROM predictions WHERE PredictionId = {id:String} AND Project = 'acme'", { id: `m-${who}` }), who).toBe(allowed ? 1 : 0);
      expect(await count("SELECT count() AS n FROM predictions WHERE PredictionId = {id:String} AND Project = 'acme'", { id: `m-log-${who}` }), who).toBe(allowed ? 1 : 0);
      expect(await count("SELECT count() AS n FROM feedback WHERE PredictionId = {id:String} AND Project = 'acme'", { id: `m-${who}` }), who).toBe(allowed ? 1 : 0);
      expect(await count("SELECT count() AS n FROM otel_logs WHERE Body = {b:String}", { b: `log m-log-${who}` }), who).toBe(allowed ? 1 : 0);
    }
    expect(await count("SELECT count() AS n FROM predictions WHERE PredictionId LIKE 'm-%' AND Project != 'acme'")).toBe(0);
    expect(await count("SELECT count() AS n FROM otel_traces WHERE TraceId = {t:String} AND Project != 'acme' AND SpanId != 'bbbbbbbbbbbbbbbb'", { t: TRACE })).toBe(0);
  });

  it('references: uploaded, pinned and deleted only by admins of acme or of every project', async () => {
    for (const who of WHO) {
      const admin = ADMIN_ONLY[who] === 200;
      const has = async (version: string) => count("SELECT count() AS n FROM reference_profiles FINAL WHERE Project = 'acme' AND ModelVersion = {v:String} AND Deleted = 0", { v: version });
      expect(await has(`up-${who}`), `upload by ${who}`).toBe(admin ? 1 : 0);
      expect(await has(`pin-${who}`), `pin by ${who}`).toBe(admin ? 1 : 0);
      expect(await has(`del-${who}`), `delete by ${who}`).toBe(admin ? 0 : 1);
    }
    expect(refused('POST /v1/references')).toEqual(['none', 'other', 'ingest', 'read', 'revoked']);
  });

  it('keys: created and revoked only by admins, never shown with their secret', async () => {
    const list = await app.inject({ method: 'GET', url: '/api/v1/keys', headers: { authorization: `Bearer ${ADMIN}` } });
    const all = list.json().keys as Array<{ id: string; name: string; project: string; revokedAt: string | null }>;
    for (const who of WHO) {
      expect(all.filter((k) => k.name === `made by ${who}`).length, who).toBe(ADMIN_ONLY[who] === 200 ? 1 : 0);
      const victim = all.find((k) => k.name === `victim of ${who}`)!;
      expect(victim.revokedAt !== null, who).toBe(ADMIN_ONLY[who] === 200);
    }
    // No secret in any listing, nor in the table: only hashes.
    for (const k of Object.values(keys)) {
      expect(list.body).not.toContain(k);
      expect(await count('SELECT count() AS n FROM api_keys WHERE position(Hash, {k:String}) > 0 OR position(Name, {k:String}) > 0', { k })).toBe(0);
    }
    expect(Object.keys(all[0]!).sort()).toEqual(['createdAt', 'createdBy', 'id', 'name', 'project', 'rateLimit', 'revokedAt', 'scopes']);
    // An admin of one project lists and revokes only that project's keys.
    const acmeList = answers.get('GET /api/v1/keys')!.get('admin')!.json().keys as Array<{ project: string }>;
    expect(acmeList.length).toBeGreaterThan(0);
    expect(new Set(acmeList.map((k) => k.project))).toEqual(new Set(['acme']));
    const otherList = answers.get('GET /api/v1/keys')!.get('other')!.json().keys as Array<{ project: string }>;
    expect(new Set(otherList.map((k) => k.project))).toEqual(new Set(['other']));
  });

  it('audit log: every change by who, from where; refused calls left no entry; each admin sees its own project', async () => {
    type Entry = { time: string; keyId: string; project: string; action: string; target: string; details: Record<string, string>; address: string };
    const all = (await call('global', { method: 'GET', url: '/api/v1/audit?limit=10000' })).json().entries as Entry[];
    const find = (action: string, target: string) => all.filter((e) => e.action === action && e.target === target);
    // Allowed callers' actions, each with its key id and address.
    expect(find('reference.uploaded', 'fraud/up-admin')).toEqual([expect.objectContaining({ keyId: keyIds.admin, project: 'acme', address: '127.0.0.1' })]);
    expect(find('reference.uploaded', 'fraud/up-global')).toEqual([expect.objectContaining({ keyId: 'admin', project: 'acme' })]);
    expect(find('reference.pinned', 'fraud/pin-admin')).toEqual([expect.objectContaining({ keyId: keyIds.admin, details: expect.objectContaining({ sourceVersion: 'v1' }) })]);
    expect(find('reference.deleted', 'fraud/del-admin')).toEqual([expect.objectContaining({ keyId: keyIds.admin, project: 'acme' })]);
    expect(find('key.revoked', keyIds.revoked!)).toEqual([expect.objectContaining({ keyId: 'admin', project: 'acme' })]);
    expect(find('key.created', keyIds.read!)).toEqual([expect.objectContaining({ keyId: 'admin', details: { name: 'read key', scopes: 'read' } })]);
    expect(find('job.run', 'drift').map((e) => [e.keyId, e.project]).sort()).toEqual([
      ['admin', '*'],
      [keyIds.admin!, 'acme'],
      [keyIds.other!, 'other'],
    ].sort());
    const sha256 = createHash('sha256').update('rules: []\n').digest('hex');
    expect(find('rules.reloaded', rules)).toEqual([expect.objectContaining({ keyId: 'admin', project: '*', details: expect.objectContaining({ sha256 }) })]);
    expect(find('config.loaded', 'configuration')).toEqual([expect.objectContaining({ keyId: 'collector', project: '*', address: '', details: expect.objectContaining({ authMode: 'required', adminKey: 'auth.adminKey' }) })]);
    // Refused callers left nothing.
    for (const who of ['none', 'other', 'ingest', 'read', 'revoked'] as const) {
      expect(find('reference.uploaded', `fraud/up-${who}`), who).toEqual([]);
      expect(find('reference.pinned', `fraud/pin-${who}`), who).toEqual([]);
      expect(find('reference.deleted', `fraud/del-${who}`), who).toEqual([]);
      expect(all.filter((e) => e.action === 'key.created' && e.details.name === `made by ${who}`), who).toEqual([]);
    }
    expect(JSON.stringify(all)).not.toContain(ADMIN);
    for (const k of Object.values(keys)) expect(JSON.stringify(all)).not.toContain(k);
    // Each project's admin sees its own project's entries only.
    const acme = answers.get('GET /api/v1/audit')!.get('admin')!.json().entries as Entry[];
    expect(acme.length).toBeGreaterThan(5);
    expect(new Set(acme.map((e) => e.project))).toEqual(new Set(['acme']));
    const other = answers.get('GET /api/v1/audit')!.get('other')!.json().entries as Entry[];
    expect(new Set(other.map((e) => e.project))).toEqual(new Set(['other']));
    expect((await call('admin', { method: 'GET', url: '/api/v1/audit?project=other' })).statusCode).toBe(403);
  });

  it('whoami names the key, its project and scopes', () => {
    const whoami = answers.get('GET /api/v1/whoami')!;
    expect(whoami.get('ingest')!.json()).toEqual({ authMode: 'required', keyId: keyIds.ingest, project: 'acme', scopes: ['ingest'] });
    expect(whoami.get('global')!.json()).toEqual({ authMode: 'required', keyId: 'admin', project: '*', scopes: ['ingest', 'read', 'admin'] });
  });

  it("reads with another project's key show only that project", async () => {
    const projects = answers.get('GET /api/v1/projects')!;
    expect(projects.get('other')!.json().projects.map((p: { project: string }) => p.project)).toEqual(['other']);
    expect(projects.get('global')!.json().projects.map((p: { project: string }) => p.project).sort()).toEqual(['acme', 'other']);
    const jobs = answers.get('GET /api/v1/jobs')!.get('other')!.json().jobs as Array<{ units: Array<{ unit: { project: string } }> }>;
    for (const j of jobs) for (const u of j.units) expect(u.unit.project).toBe('other');
    const trace = answers.get('GET /api/v1/traces/:traceId')!;
    expect(trace.get('other')!.json().spans.map((s: { spanId: string }) => s.spanId)).toEqual(['bbbbbbbbbbbbbbbb']);
    expect(trace.get('read')!.json().spans.map((s: { spanId: string }) => s.spanId)).not.toContain('bbbbbbbbbbbbbbbb');
    expect(trace.get('global')!.json().spans.map((s: { spanId: string }) => s.spanId)).toContain('bbbbbbbbbbbbbbbb');
    const run = answers.get('POST /api/v1/jobs/drift/run')!;
    expect(run.get('global')!.json().units.some((u: { unit: { project: string } }) => u.unit.project === 'acme')).toBe(true);
    for (const u of run.get('other')!.json().units as Array<{ unit: { project: string } }>) expect(u.unit.project).toBe('other');
  });
});

describe('a key bound to a project', () => {
  const as = (who: Who, options: InjectOptions) => call(who, options);

  it('reads its own project without naming it, and cannot widen it with X-Inferlens-Project', async () => {
    const own = await as('read', { method: 'GET', url: '/api/v1/predictions?limit=1000' });
    expect(own.statusCode).toBe(200);
    const projects = new Set((own.json().predictions as Array<{ project: string }>).map((p) => p.project));
    expect(projects).toEqual(new Set(['acme']));
    const widened = await as('read', { method: 'GET', url: '/api/v1/activity', headers: { 'x-inferlens-project': 'other' } });
    expect(widened.statusCode).toBe(403);
    expect(widened.json().error).toBe('AUTH_PROJECT_DENIED');
    const twice = await as('read', { method: 'GET', url: '/api/v1/predictions?project=acme&project=other' });
    expect(twice.statusCode).toBe(403);
  });

  it('stores the records that name no project in its project, and rejects alone each record naming another', async () => {
    const res = await as('ingest', {
      method: 'POST',
      url: '/v1/predictions',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: ndjson([
        { predictionId: 'bound-1', model: 'fraud' },
        { predictionId: 'bound-2', model: 'fraud', project: 'other' },
        { predictionId: 'bound-3', model: 'fraud', project: 'acme' },
        { predictionId: 'bound-4', model: 'fraud', project: 'default' },
        { predictionId: 'bound-5', model: 'fraud', project: 'other', timestamp: 'not a time' },
      ]),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      accepted: 3,
      rejected: 2,
      errors: ['record 1: project: this key writes to project "acme" only, got "other"', expect.stringMatching(/^record 4: timestamp: /)],
    });
    expect(await count("SELECT count() AS n FROM predictions WHERE PredictionId LIKE 'bound-%' AND Project = 'acme'")).toBe(3);
    expect(await count("SELECT count() AS n FROM predictions WHERE PredictionId LIKE 'bound-%' AND Project != 'acme'")).toBe(0);
    const feedback = await as('ingest', {
      method: 'POST',
      url: '/v1/feedback',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: ndjson([{ predictionId: 'bound-1', label: 'y' }, { predictionId: 'bound-2', label: 'n', project: 'other' }]),
    });
    expect(feedback.json()).toMatchObject({ accepted: 1, rejected: 1 });
    // The same through OTLP: an inferlens.prediction event naming another project.
    const otlp = await as('ingest', {
      method: 'POST',
      url: '/v1/logs',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        resourceLogs: [{ scopeLogs: [{ logRecords: [
          { timeUnixNano: ns(NOW), eventName: 'inferlens.prediction', body: kv({ predictionId: 'bound-otlp-1', model: 'fraud', project: 'other' }) },
          { timeUnixNano: ns(NOW), eventName: 'inferlens.prediction', body: kv({ predictionId: 'bound-otlp-2', model: 'fraud', project: 'default' }) },
        ] }] }],
      }),
    });
    expect(otlp.statusCode).toBe(200);
    expect(otlp.json().partialSuccess).toMatchObject({ rejectedLogRecords: '1' });
    expect(otlp.json().partialSuccess.errorMessage).toContain('project: this key writes to project "acme" only, got "other"');
    expect(await count("SELECT count() AS n FROM predictions WHERE PredictionId LIKE 'bound-otlp-%' AND Project = 'acme'")).toBe(1);
    expect(await count("SELECT count() AS n FROM predictions WHERE PredictionId LIKE 'bound-otlp-%' AND Project != 'acme'")).toBe(0);
  });

  it('a key of every project stores each record in the project it names', async () => {
    const res = await as('global', {
      method: 'POST',
      url: '/v1/predictions',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: ndjson([{ predictionId: 'any-1', model: 'fraud', project: 'zeta' }, { predictionId: 'any-2', model: 'fraud' }]),
    });
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 0 });
    expect(await count("SELECT count() AS n FROM predictions WHERE PredictionId = 'any-1' AND Project = 'zeta'")).toBe(1);
    expect(await count("SELECT count() AS n FROM predictions WHERE PredictionId = 'any-2' AND Project = 'default'")).toBe(1);
  });
});

describe('keys', () => {
  it('refuses a revoked key within a second, also when another collector on the same store revoked it', async () => {
    const k = await createKey(ADMIN, { project: 'acme', scopes: ['read'], name: 'revoked elsewhere' });
    const read = () => app.inject({ method: 'GET', url: '/api/v1/activity', headers: { authorization: `Bearer ${k.key}` } });
    expect((await read()).statusCode).toBe(200);
    // What another collector's DELETE writes, straight into the table.
    const [row] = await app.store.query<{ Hash: string; CreatedAt: string }>("SELECT Hash, toString(toUnixTimestamp64Milli(CreatedAt)) AS CreatedAt FROM api_keys WHERE Id = {id:String}", { id: k.id });
    await writeApiKey(app.store, {
      Id: k.id, Name: 'revoked elsewhere', Project: 'acme', Scopes: ['read'], Hash: row!.Hash, CreatedBy: 'admin',
      CreatedAt: Number(row!.CreatedAt), RevokedAt: Date.now(), RecordsPerSecond: 0, Burst: 0, Revision: 1,
    });
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 2000) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await read()).statusCode;
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('answers bad keys and bad requests with their codes', async () => {
    const as = (authorization: string) => app.inject({ method: 'GET', url: '/api/v1/activity', headers: { authorization } });
    expect((await as('Bearer ilk_0123456789abcdef_' + 'A'.repeat(43))).json().error).toBe('AUTH_INVALID_KEY');
    expect((await as('Bearer nonsense')).json().error).toBe('AUTH_INVALID_KEY');
    expect((await as(`Basic ${Buffer.from(`x:${ADMIN}`).toString('base64')}`)).json().error).toBe('AUTH_INVALID_KEY');
    expect((await app.inject({ method: 'GET', url: '/api/v1/activity' })).json().error).toBe('AUTH_REQUIRED');
    const admin = { authorization: `Bearer ${ADMIN}` };
    const bad = await app.inject({ method: 'POST', url: '/api/v1/keys', headers: admin, payload: { project: 'acme', scopes: ['write'], name: 'x' } });
    expect(bad.statusCode).toBe(400);
    const noProject = await app.inject({ method: 'POST', url: '/api/v1/keys', headers: admin, payload: { scopes: ['read'], name: 'x' } });
    expect(noProject.statusCode).toBe(400);
    expect(noProject.json().message).toContain('project');
    // An admin of acme cannot make a key of every project, nor of another.
    const widen = await call('admin', { method: 'POST', url: '/api/v1/keys', payload: { project: '*', scopes: ['admin'], name: 'x' } });
    expect(widen.statusCode).toBe(403);
    const own = await call('admin', { method: 'POST', url: '/api/v1/keys', payload: { scopes: ['ingest'], name: 'project left out' } });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ project: 'acme', scopes: ['ingest'] });
    expect(own.json().key).toMatch(/^ilk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/keys/0123456789abcdef', headers: admin })).statusCode).toBe(404);
  });
});
