import { context, diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestContextManager } from '../testing/test-setup.js';
import { SUPPRESS_TRACING_KEY } from '../suppress-tracing.js';
import { FixedSpanAttributes } from './FixedSpanAttributes.js';
import { OwnTracer } from './OwnTracer.js';
import { RecordingSpan, SPAN_LIMIT } from './RecordingSpan.js';

beforeAll(() => {
  context.setGlobalContextManager(new TestContextManager());
});

const warnings: string[] = [];
afterEach(() => {
  diag.disable();
  warnings.length = 0;
});
function captureDiag(): void {
  const log = (m: string) => warnings.push(m);
  diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
}

function tracer(): { tracer: OwnTracer; ended: RecordingSpan[] } {
  const ended: RecordingSpan[] = [];
  return { tracer: new OwnTracer({ onEnd: (s) => ended.push(s) }), ended };
}

describe('OwnTracer', () => {
  it('samples as ParentBased(AlwaysOn): a root span and the child of a sampled parent record; the child of an unsampled parent does not', () => {
    const { tracer: t, ended } = tracer();
    const root = t.startSpan('root');
    expect(root).toBeInstanceOf(RecordingSpan);
    expect(root.spanContext()).toMatchObject({ traceFlags: TraceFlags.SAMPLED });
    expect(root.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    const child = t.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)) as RecordingSpan;
    expect(child.traceId).toBe(root.spanContext().traceId);
    expect(child.parentSpanId).toBe(root.spanContext().spanId);
    const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE, isRemote: true });
    const unsampled = t.startSpan('unsampled', {}, remote);
    expect(unsampled.isRecording()).toBe(false);
    expect(unsampled.spanContext()).toMatchObject({ traceId: 'a'.repeat(32), traceFlags: TraceFlags.NONE });
    expect(unsampled.spanContext().spanId).not.toBe('b'.repeat(16));
    const rooted = t.startSpan('rooted', { root: true }, remote) as RecordingSpan;
    expect(rooted.isRecording()).toBe(true);
    expect(rooted.parentSpanId).toBeUndefined();
    const suppressed = t.startSpan('suppressed', {}, ROOT_CONTEXT.setValue(SUPPRESS_TRACING_KEY, true));
    expect(suppressed.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(suppressed.spanContext())).toBe(false);
    unsampled.end();
    suppressed.end();
    child.end();
    root.end();
    expect(ended.map((s) => s.name)).toEqual(['child', 'root']);
  });

  it('startActiveSpan runs the function with the span active, in every overload', () => {
    const { tracer: t } = tracer();
    const seen: (Span | undefined)[] = [];
    const spans = [
      t.startActiveSpan('a', (s) => (seen.push(trace.getActiveSpan()), s)),
      t.startActiveSpan('b', { kind: SpanKind.CLIENT }, (s) => (seen.push(trace.getActiveSpan()), s)),
      t.startActiveSpan('c', {}, ROOT_CONTEXT, (s) => (seen.push(trace.getActiveSpan()), s)),
    ];
    expect(seen).toEqual(spans);
    expect((spans[1] as RecordingSpan).kind).toBe(SpanKind.CLIENT);
  });

  it('keeps attributes as the OpenTelemetry SDK does: checked values, at most 128, dropped ones counted; nothing changes after end', () => {
    captureDiag();
    const { tracer: t, ended } = tracer();
    const start: Record<string, unknown> = { ok: 1, bad: { nested: true }, mixed: [1, 'x'], list: ['a', null, 'b'] };
    const span = t.startSpan('s', { attributes: start as never }) as RecordingSpan;
    expect(span.attributes).toEqual({ ok: 1, list: ['a', null, 'b'] });
    for (let i = 0; i < SPAN_LIMIT + 5; i++) span.setAttribute(`k${i}`, i);
    expect(Object.keys(span.attributes)).toHaveLength(SPAN_LIMIT);
    expect(span.droppedAttributes).toBe(7);
    span.setAttribute('ok', 2); // an existing key is replaced even when full
    expect(span.attributes.ok).toBe(2);
    span.setAttribute('obj', {} as never);
    expect(warnings.some((w) => w.includes('span attribute obj'))).toBe(true);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    span.setStatus({ code: SpanStatusCode.UNSET });
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    span.setStatus({ code: SpanStatusCode.OK });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'later' });
    expect(span.status).toEqual({ code: SpanStatusCode.OK });
    span.end();
    const end = span.endMs;
    span.setAttribute('late', 1);
    span.updateName('renamed');
    span.addEvent('late');
    span.end();
    expect(span.attributes.late).toBeUndefined();
    expect(span.name).toBe('s');
    expect(span.events).toBeUndefined();
    expect(span.endMs).toBe(end);
    expect(span.isRecording()).toBe(false);
    expect(ended).toHaveLength(1);
    expect(warnings.some((w) => w.includes('ended twice'))).toBe(true);
  });

  it('records exceptions as `exception` events, events and links with their attributes, and times from every TimeInput form', () => {
    const { tracer: t } = tracer();
    const span = t.startSpan('s', { startTime: [1_700_000_000, 500_000_000] }) as RecordingSpan;
    expect(span.startMs).toBe(1_700_000_000_500);
    const error = new TypeError('bad input');
    span.recordException(error);
    span.recordException('just a message', new Date(1_700_000_001_000));
    span.addEvent('e', { n: 1 }, 1_700_000_002_000);
    span.addLink({ context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1 }, attributes: { why: 'batch' } });
    span.end([1_700_000_003, 250_000]);
    expect(span.events?.map((e) => [e.name, e.attributes])).toEqual([
      ['exception', { 'exception.type': 'TypeError', 'exception.message': 'bad input', 'exception.stacktrace': error.stack }],
      ['exception', { 'exception.message': 'just a message' }],
      ['e', { n: 1 }],
    ]);
    expect(span.events?.[1].timeMs).toBe(1_700_000_001_000);
    expect(span.endMs).toBe(1_700_000_003_000.25);
    expect(span.links).toHaveLength(1);
  });
});

describe('planned spans', () => {
  // That a planned span encodes as a span with `allAttributes()`: otlp-protobuf.test.ts.
  it('a planned span (fixed attributes kept by reference, own ones beside) has the attributes of the same span started with all of them', () => {
    const { tracer: t } = tracer();
    const fixedMap = { 'inferlens.model.name': 'fraud', 'inferlens.sample_rate': 0.5, 'inferlens.outcome': 'ok', tags: ['a', 'b'], bad: {} as never };
    const fixed = new FixedSpanAttributes(fixedMap);
    expect(fixed.count).toBe(4); // the bad value left out, once
    const cases: ((s: Span) => void)[] = [
      () => {},
      (s) => s.setAttribute('inferlens.segment', 'eu'), // an own attribute more
      (s) => s.setAttributes({ 'inferlens.outcome': 'error', 'error.type': 'TypeError' }), // a fixed one set again
      (s) => s.setAttribute('inferlens.sample_rate', 0.5), // set again to the same value
    ];
    for (const change of cases) {
      const planned = t.startPlannedSpan('predict fraud', SpanKind.INTERNAL, fixed, ROOT_CONTEXT, 'inferlens.prediction.id', 'p-1') as RecordingSpan;
      const plain = t.startSpan('predict fraud', { attributes: { ...fixedMap, 'inferlens.prediction.id': 'p-1' } }, ROOT_CONTEXT) as RecordingSpan;
      // One end time after both starts: an end before a span's start is clamped to it, and on a
      // loaded machine the two spans can start more than a millisecond apart.
      const endAt = Math.max(planned.startMs, plain.startMs) + 1;
      for (const s of [planned, plain]) {
        change(s);
        s.end(endAt);
      }
      (plain as { startMs: number }).startMs = planned.startMs;
      expect(planned.allAttributes()).toEqual(plain.attributes);
      expect([planned.droppedAttributes, planned.name, planned.kind, planned.endMs, planned.status]).toEqual([plain.droppedAttributes, plain.name, plain.kind, plain.endMs, plain.status]);
    }
  });
});
