import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { ClickHouseStore } from './ClickHouseStore.js';
import { classifyInsertFailure } from './insert-failure.js';
import { FEEDBACK } from './schema/feedback.js';
import { OTEL_TRACES } from './schema/otel-traces.js';
import { decodeRows, encodeRows } from './schema/TableDefinition.js';
import { sampleRows } from '../../../test/helpers/table-rows.js';

// The server store's sink against a fake ClickHouse HTTP interface (no server here: the e2e
// suites run on a real one when INFERLENS_TEST_CLICKHOUSE_URL is set). The real
// @clickhouse/client sends what the sink builds; the fake records it and answers as ClickHouse
// does, failures included.

interface Received {
  query: string;
  settings: Record<string, string>;
  body: Buffer;
}

let server: Server;
let url: string;
const received: Received[] = [];
/** The answer to the next INSERT: a ClickHouse error (code, name), or none for success. */
let failNext: { status: number; code: number; name: string } | undefined;

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const params = new URL(req.url!, 'http://x').searchParams;
      const query = params.get('query') ?? body.toString('utf8');
      if (/^SELECT getSetting/.test(query)) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end('{"m":"100"}\n');
        return;
      }
      const settings = Object.fromEntries([...params].filter(([k]) => k !== 'query' && k !== 'database'));
      received.push({ query, settings, body });
      const fail = failNext;
      failNext = undefined;
      if (fail) {
        res.writeHead(fail.status, { 'x-clickhouse-exception-code': String(fail.code) }).end(`Code: ${fail.code}. DB::Exception: injected. (${fail.name}) (version 25.3.1.1)`);
        return;
      }
      res.writeHead(200, { 'x-clickhouse-summary': '{"written_rows":"1"}' }).end('');
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((res) => server.close(res));
});

describe('HttpSink (a ClickHouse server)', () => {
  it('streams the RowBinary rows as the body of INSERT ... FORMAT RowBinary, named columns in the codec\'s order', async () => {
    const store = await ClickHouseStore.open({ mode: 'server', url });
    try {
      expect(store.maxPartitionsPerInsert).toBe(100);
      const rows = sampleRows(FEEDBACK, 20, 5);
      received.length = 0;
      await store.insert(FEEDBACK, rows);
      expect(received).toHaveLength(1);
      expect(received[0]!.query).toBe(
        'INSERT INTO `feedback` (`Timestamp`, `PredictionId`, `Project`, `ModelName`, `ModelVersion`, `Label`, `Value`, `Attributes`) FORMAT RowBinary',
      );
      expect(decodeRows(FEEDBACK, received[0]!.body)).toEqual(rows);

      // Chunks from several requests, nested columns by their stored names, and a setting of this insert only.
      const spans = sampleRows(OTEL_TRACES, 6, 9);
      const chunks = [encodeRows(OTEL_TRACES, spans.slice(0, 2)), encodeRows(OTEL_TRACES, spans.slice(2))];
      await store.insertRowBinary(OTEL_TRACES, chunks, { maxPartitionsPerInsert: 400 });
      expect(received[1]!.query).toContain('`Events.Timestamp`, `Events.Name`, `Events.Attributes`, `Links.TraceId`');
      expect(received[1]!.settings).toMatchObject({ max_partitions_per_insert_block: '400' });
      expect(decodeRows(OTEL_TRACES, received[1]!.body)).toEqual(spans);
      await store.insert(FEEDBACK, []);
      expect(received).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('fails with a StoreError that keeps the server\'s code and type, so ingestion classifies it', async () => {
    const store = await ClickHouseStore.open({ mode: 'server', url });
    try {
      const rows = sampleRows(FEEDBACK, 1);
      failNext = { status: 507, code: 243, name: 'NOT_ENOUGH_SPACE' };
      const full = await store.insert(FEEDBACK, rows).then(() => undefined, (e: unknown) => e);
      expect(full).toBeInstanceOf(StoreError);
      expect((full as StoreError).message).toMatch(/^insert into feedback failed: injected/);
      expect((full as StoreError).clickhouseCode).toBe('243');
      expect((full as StoreError).clickhouseType).toBe('NOT_ENOUGH_SPACE');
      expect(classifyInsertFailure(full)).toBe('unavailable');
      failNext = { status: 400, code: 33, name: 'CANNOT_READ_ALL_DATA' };
      const bad = await store.insert(FEEDBACK, rows).then(() => undefined, (e: unknown) => e);
      expect(classifyInsertFailure(bad)).toBe('content');
    } finally {
      await store.close();
    }
  });
});
