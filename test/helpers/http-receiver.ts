import { createServer, type Server } from 'node:http';

/** One request a {@link HttpReceiver} got. */
export interface ReceivedRequest {
  path: string;
  atMs: number;
  body: any;
}

/** A local HTTP endpoint (127.0.0.1) that records JSON POSTs, standing in for a webhook or Slack. */
export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves with the first request to `path` matching `pred` (deadline `timeoutMs`). */
  waitFor(path: string, pred: (body: any) => boolean, timeoutMs?: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

/** Starts a {@link HttpReceiver} on a free loopback port. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const listeners = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', atMs: Date.now(), body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      for (const l of listeners) l();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    requests,
    waitFor(path, pred, timeoutMs = 30_000) {
      return new Promise((res, rej) => {
        const check = () => {
          const hit = requests.find((r) => r.path === path && pred(r.body));
          if (!hit) return false;
          listeners.delete(check);
          clearTimeout(timer);
          res(hit);
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          rej(new Error(`no matching request to ${path} within ${timeoutMs} ms; got ${JSON.stringify(requests.map((r) => [r.path, r.body]))}`));
        }, timeoutMs);
        if (!check()) listeners.add(check);
      });
    },
    close: () => new Promise((res) => server.close(() => res())),
  };
}
