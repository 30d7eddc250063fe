import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseArgs } from 'node:util';

/** Where the command writes. */
export interface KeysIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const USAGE = `Usage: inferlens keys <create|list|revoke> [options]

Manages a collector's API keys through its API (an admin key is needed).

  inferlens keys create --project <name|*> --scopes <ingest,read,admin> --name <text>
                        [--records-per-second <n> [--burst <n>]]
      prints the new key as JSON: { id, key, ... }; the key is shown this once
  inferlens keys list [--json]
  inferlens keys revoke <id> [--json]

Options:
  --url <url>          the collector (env INFERLENS_URL; default http://127.0.0.1:4318)
  --admin-key <key>    an admin key (env INFERLENS_ADMIN_KEY, which keeps it out of the process list)
  --ca-file <file>     a CA certificate (PEM) to trust for an https:// collector
  --cert-file <file>   a client certificate (PEM), for a collector with tls.caFile
  --key-file <file>    the client certificate's key (PEM)
`;

interface Reply {
  status: number;
  body: unknown;
}

/** TLS client options: a CA to trust, a client certificate and its key (each when given). */
interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** One JSON request to the collector over http or https, with `tls` when given. */
function call(url: URL, method: string, key: string | undefined, body: unknown, tls: ClientTls): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    if (payload) headers['content-type'] = 'application/json';
    const options = { method, headers, ...tls, timeout: 30_000 };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the message
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Cells padded into columns. */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

interface KeyListed {
  id: string;
  name: string;
  project: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

/**
 * `inferlens keys create|list|revoke`: the collector's keys API (`/api/v1/keys`) from a shell.
 * Exit status 0 when done, 1 when the collector refuses or cannot be reached, 2 for a usage error.
 */
export async function runKeys(argv: string[], io: KeysIo): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    (action === undefined ? io.stderr : io.stdout)(USAGE);
    return action === undefined ? 2 : 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        url: { type: 'string' },
        'admin-key': { type: 'string' },
        'ca-file': { type: 'string' },
        'cert-file': { type: 'string' },
        'key-file': { type: 'string' },
        project: { type: 'string' },
        scopes: { type: 'string' },
        name: { type: 'string' },
        'records-per-second': { type: 'string' },
        burst: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    io.stderr(`inferlens keys: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const v = parsed.values;
  const usage = (message: string) => {
    io.stderr(`inferlens keys ${action}: ${message}\n${USAGE}`);
    return 2;
  };
  let base: URL;
  try {
    base = new URL(v.url ?? io.env.INFERLENS_URL ?? 'http://127.0.0.1:4318');
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return usage(`--url ${JSON.stringify(v.url ?? io.env.INFERLENS_URL)} is not an http(s) URL`);
  }
  const tls: ClientTls = {};
  for (const [option, field] of [['ca-file', 'ca'], ['cert-file', 'cert'], ['key-file', 'key']] as const) {
    const file = v[option];
    if (!file) continue;
    try {
      tls[field] = readFileSync(file);
    } catch (err) {
      return usage(`--${option}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (!tls.cert !== !tls.key) return usage('--cert-file and --key-file go together');
  const key = v['admin-key'] ?? io.env.INFERLENS_ADMIN_KEY;
  const endpoint = (path: string) => new URL(path, base.href.endsWith('/') ? base.href : `${base.href}/`);

  let method: string;
  let url: URL;
  let body: unknown;
  if (action === 'create') {
    if (!v.project || !v.scopes || !v.name) return usage('--project, --scopes and --name are required');
    const rps = v['records-per-second'];
    if (v.burst !== undefined && rps === undefined) return usage('--burst needs --records-per-second');
    for (const [flag, value] of [['records-per-second', rps], ['burst', v.burst]] as const) {
      if (value !== undefined && !/^[1-9]\d*$/.test(value)) return usage(`--${flag} expects a positive integer, got ${JSON.stringify(value)}`);
    }
    method = 'POST';
    url = endpoint('api/v1/keys');
    body = {
      project: v.project,
      scopes: v.scopes.split(',').map((s) => s.trim()).filter(Boolean),
      name: v.name,
      ...(rps === undefined ? {} : { rateLimit: { recordsPerSecond: Number(rps), ...(v.burst === undefined ? {} : { burst: Number(v.burst) }) } }),
    };
  } else if (action === 'list') {
    method = 'GET';
    url = endpoint('api/v1/keys');
  } else if (action === 'revoke') {
    const id = parsed.positionals[0];
    if (!id || parsed.positionals.length > 1) return usage('name one key id: inferlens keys revoke <id>');
    method = 'DELETE';
    url = endpoint(`api/v1/keys/${encodeURIComponent(id)}`);
  } else {
    io.stderr(`inferlens keys: unknown action ${JSON.stringify(action)}\n${USAGE}`);
    return 2;
  }
  if (parsed.positionals.length > 0 && action !== 'revoke') return usage(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);

  let reply: Reply;
  try {
    reply = await call(url, method, key, body, tls);
  } catch (err) {
    io.stderr(`inferlens keys ${action}: cannot reach ${base.origin}: ${(err as Error).message}\n`);
    return 1;
  }
  if (reply.status !== 200) {
    const b = reply.body as { error?: string; message?: string } | string;
    const why = typeof b === 'object' && b !== null ? `${b.error ?? ''}: ${b.message ?? ''}` : String(b).slice(0, 200);
    io.stderr(`inferlens keys ${action}: ${reply.status} ${why}\n`);
    return 1;
  }
  if (action === 'list' && !v.json) {
    const keys = (reply.body as { keys: KeyListed[] }).keys;
    io.stdout(columns([['ID', 'NAME', 'PROJECT', 'SCOPES', 'CREATED', 'REVOKED'], ...keys.map((k) => [k.id, k.name, k.project, k.scopes.join(','), k.createdAt, k.revokedAt ?? '-'])]));
    return 0;
  }
  if (action === 'revoke' && !v.json) {
    const k = reply.body as KeyListed;
    io.stdout(`revoked ${k.id} (${k.name}, project ${k.project}) at ${k.revokedAt}\n`);
    return 0;
  }
  io.stdout(`${JSON.stringify(reply.body, null, 2)}\n`);
  return 0;
}
