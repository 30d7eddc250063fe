// Main-thread cost of one NDJSON prediction record in the collector, from request bytes to
// RowBinary row: the transcoder the embedded store uses (`transcodePredictions`), beside the
// row path it replaced (parse and validate, `predictionToRow`, RowBinary codec) and beside
// `JSON.parse` of the same lines alone (the floor under both), all in the same run.
//
// Env: BENCH_RECORDS (records per body, default 5000), BENCH_BODIES (default 40), BENCH_ROUNDS (default 5).
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchPrediction } from './lib/predictions.js';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../collector/dist');
const { PREDICTIONS } = await import(join(dist, 'store/schema/predictions.js'));
const { encodeRows } = await import(join(dist, 'store/schema/TableDefinition.js'));
const { parseRecordBody } = await import(join(dist, 'ingest/native/parse-records.js'));
const { predictionToRow } = await import(join(dist, 'ingest/native/to-rows.js'));
const { transcodePredictions } = await import(join(dist, 'ingest/native/predictions-rowbinary.js'));
const { DEFAULT_RECORD_LIMITS } = await import('@inferlens/semconv');

const RECORDS = Number(process.env.BENCH_RECORDS ?? 5_000);
const BODIES = Number(process.env.BENCH_BODIES ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const RECEIVED = BigInt(Date.now()) * 1_000_000n;

/** The ingest benchmark's records, with the ids and the fractional timestamp the SDK sends. */
function prediction(i) {
  const record = benchPrediction(i);
  return { ...record, timestamp: record.timestamp + 0.25, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
}

const bodies = Array.from({ length: BODIES }, (_, b) =>
  Buffer.from(Array.from({ length: RECORDS }, (_, i) => JSON.stringify(prediction(b * RECORDS + i))).join('\n')),
);

const ways = {
  'JSON.parse of each line only (floor)': (body) => {
    for (const line of body.toString('utf8').split('\n')) JSON.parse(line);
  },
  'row path: parse and validate, predictionToRow, RowBinary codec': (body) => {
    const parsed = parseRecordBody(body.toString('utf8'), 'prediction', DEFAULT_RECORD_LIMITS, RECORDS);
    encodeRows(PREDICTIONS, parsed.records.map((r) => predictionToRow(r, RECEIVED)));
  },
  'transcodePredictions (the collector, embedded)': (body) => {
    const t = transcodePredictions(body.toString('utf8'), DEFAULT_RECORD_LIMITS, RECORDS, RECEIVED, undefined);
    if (t.slowRecords !== 0 || t.count !== RECORDS) throw new Error(`expected ${RECORDS} fast rows, got ${t.count} with ${t.slowRecords} slow`);
  },
};

// Rounds alternate the ways, so a slow moment of the machine touches each of them.
const best = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(ways)) {
    const t0 = performance.now();
    for (const body of bodies) run(body);
    const us = ((performance.now() - t0) * 1000) / (BODIES * RECORDS);
    best.set(name, Math.min(best.get(name) ?? Infinity, us));
  }
}
const bytes = bodies.reduce((n, b) => n + b.length, 0) / (BODIES * RECORDS);
console.log(`machine: ${process.arch}, node ${process.version}; ${BODIES} bodies of ${RECORDS} records (${bytes.toFixed(0)} bytes a record), best of ${ROUNDS} rounds\n`);
console.log('| way | µs per record | vs JSON.parse alone |');
console.log('| --- | ---: | ---: |');
const floor = best.get('JSON.parse of each line only (floor)');
for (const [name, us] of best) console.log(`| ${name} | ${us.toFixed(2)} | ${(us / floor).toFixed(2)}x |`);
