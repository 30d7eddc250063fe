import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stub did for one request, with the times (epoch ms, this process's clock) it wrote each part. */
export interface StubExchange {
  model: string;
  stream: boolean;
  /** When the first chunk with text was written (streams). */
  contentWrittenAt?: number;
  /** When the last byte was written (`data: [DONE]`, or the JSON body). */
  endWrittenAt?: number;
}

/** A local stand-in for the Chat Completions API (`POST /v1/chat/completions`), JSON and SSE. */
export interface ChatCompletionsStub {
  /** `http://127.0.0.1:PORT/v1`, the client's `baseURL`. */
  baseURL: string;
  exchanges: StubExchange[];
  close(): Promise<void>;
}

/** The answer's words; the stub counts one token per word. */
export const STUB_WORDS = ['Hello', ' there', ',', ' friend'];
export const STUB_PROMPT_TOKENS = 9;
/** How long the stub waits between the role chunk and the first text. */
export const STUB_FIRST_TEXT_DELAY_MS = 40;

const now = () => performance.timeOrigin + performance.now();

/**
 * Starts the stub on 127.0.0.1. Streams are shaped as OpenAI sends them: a chunk with the role
 * and empty text, one chunk per word, a chunk with the finish reason and no text, and (with
 * `stream_options.include_usage`) a last chunk with `choices: []` and the usage, then `[DONE]`.
 * Model `gpt-broken` closes the connection after the role chunk.
 */
export async function startChatCompletionsStub(): Promise<ChatCompletionsStub> {
  const exchanges: StubExchange[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      const params = JSON.parse(body) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      const exchange: StubExchange = { model: params.model, stream: params.stream === true };
      exchanges.push(exchange);
      const base = { id: `chatcmpl-${exchanges.length}`, created: Math.floor(Date.now() / 1000), model: `${params.model}-2026-01-01` };
      const usage = { prompt_tokens: STUB_PROMPT_TOKENS, completion_tokens: STUB_WORDS.length, total_tokens: STUB_PROMPT_TOKENS + STUB_WORDS.length };
      if (!exchange.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: STUB_WORDS.join('') }, finish_reason: 'stop', logprobs: null }], usage }),
        );
        exchange.endWrittenAt = now();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const send = (chunk: object) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...chunk })}\n\n`);
      const choice = (delta: object, finish: string | null = null) => ({ choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
      send(choice({ role: 'assistant', content: '' }));
      if (params.model === 'gpt-broken') {
        setTimeout(() => res.destroy(), 10);
        return;
      }
      const steps: (() => void)[] = STUB_WORDS.map((word, i) => () => {
        send(choice({ content: word }));
        if (i === 0) exchange.contentWrittenAt = now();
      });
      steps.push(() => send(choice({}, 'stop')));
      if (params.stream_options?.include_usage) steps.push(() => send({ choices: [], usage }));
      steps.push(() => {
        res.end('data: [DONE]\n\n');
        exchange.endWrittenAt = now();
      });
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        steps[i++]!();
        if (i < steps.length) setTimeout(next, 5);
      };
      setTimeout(next, STUB_FIRST_TEXT_DELAY_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
