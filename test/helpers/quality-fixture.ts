import { readFileSync } from 'node:fs';
import { recentStart } from './recent-time.js';

// The traffic of fixtures/quality (made with numpy/scipy by its make-fixtures.py): a binary
// classifier in two versions and a regressor, ten windows, feedback with delays. Shared by the
// quality job's and the quality alerts' end-to-end tests.

export interface Traffic { model: string; version: string; window: number; truth: string | number[]; score?: number[]; value?: number[]; hasFeedback: string; delaySeconds: number[] }

/** The fixture file, with the expected metrics typed by the test that reads them. */
export interface QualityFixture<E> { t0: number; windowMs: number; rowsPerWindow: number; traffic: Traffic[]; expected: E[] }

/** The fixture file, its `t0` moved to the recent past by whole weeks (same windows; within the event-age bound). */
export function loadQualityFixture<E>(): QualityFixture<E> {
  const f = JSON.parse(readFileSync(new URL('../fixtures/quality/quality-traffic.json', import.meta.url), 'utf8')) as QualityFixture<E>;
  return { ...f, t0: recentStart(f.t0) };
}

/** Prediction id and time of row `i` of a traffic entry. */
export const rowId = (t: Traffic, i: number): string => `${t.model}-${t.version}-${t.window}-${i}`;
export function rowTime(f: QualityFixture<unknown>, t: Traffic, i: number): number {
  return f.t0 + t.window * f.windowMs + i * (f.windowMs / f.rowsPerWindow);
}

/**
 * Every prediction of the fixture, plus one per stream in window 10, which closes windows 0 to 9
 * (lateness 1 s) and leaves window 10 open. `labelOf` gives the classifier's predicted label.
 */
export function fixturePredictions(f: QualityFixture<unknown>, labelOf: (t: Traffic, positive: boolean) => string | number, extra: Record<string, unknown> = {}): unknown[] {
  const out: unknown[] = [];
  for (const t of f.traffic) {
    for (let i = 0; i < f.rowsPerWindow; i++) {
      const outputs = t.model === 'clf' ? { label: labelOf(t, t.score![i]! >= 0.5), score: t.score![i]! } : { value: t.value![i]! };
      out.push({ predictionId: rowId(t, i), model: t.model, version: t.version, timestamp: rowTime(f, t, i), ...extra, outputs });
    }
  }
  for (const [model, version] of [['clf', 'v1'], ['clf', 'v2'], ['reg', 'v1']]) out.push({ predictionId: `${model}-${version}-pusher`, model, version, timestamp: f.t0 + 10 * f.windowMs });
  return out;
}

/** Feedback of the rows chosen by `pick`, each timestamped prediction time + its delay. */
export function fixtureFeedback(f: QualityFixture<unknown>, pick: (t: Traffic, i: number) => boolean): unknown[] {
  const out: unknown[] = [];
  for (const t of f.traffic) {
    for (let i = 0; i < f.rowsPerWindow; i++) {
      if (t.hasFeedback[i] !== '1' || !pick(t, i)) continue;
      const truth = typeof t.truth === 'string' ? { label: t.truth[i] } : { value: t.truth[i] };
      out.push({ predictionId: rowId(t, i), model: t.model, version: t.version, timestamp: rowTime(f, t, i) + Math.round(t.delaySeconds[i]! * 1000), ...truth });
    }
  }
  return out;
}

/** The first feedback batch: all of window 0 and every other row of window 1. */
export const firstBatch = (t: Traffic, i: number): boolean => t.window === 0 || (t.window === 1 && i % 2 === 0);
