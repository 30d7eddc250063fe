// Drift job cost: the whole drift computation of one window (profile in ClickHouse + statistics in
// TypeScript) for BENCH_DRIFT_ROWS predictions x 20 numeric features, beside a plain per-feature
// sum() scan of the same rows in the same run (goal: at most 3x). Then the cost of one more window
// once the history holds BENCH_DRIFT_HISTORY rows (goal: proportional to the window, not the history).
// And the same first window per segment (its rows carry 12 segment values: the 10 most frequent kept,
// 2 folded into other; docs/drift.md#segments), beside the whole window's computation. And
// multivariate drift (PCA reconstruction error) of the first window against a pinned reference of
// 100k earlier predictions of the same 12 segments: the whole window's, and per segment (bounds
// from each segment's reference rows, read once per plan; then one grouped pass over the window).
// Env: BENCH_DRIFT_ROWS (default 1000000), BENCH_DRIFT_HISTORY (default 10000000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../collector/dist');
const { ClickHouseStore } = await import(join(dist, 'store/ClickHouseStore.js'));
const { profileReferenceData, profileWindow } = await import(join(dist, 'jobs/feature-profile.js'));
const { compareProfiles } = await import(join(dist, 'jobs/compare-profiles.js'));
const { profileWindowSegments } = await import(join(dist, 'jobs/feature-profile.js'));
const { OTHER_SEGMENT, planSegments, segmentNames } = await import(join(dist, 'jobs/segments.js'));
const { segmentGrouping, windowSegmentCounts } = await import(join(dist, 'store/repositories/segments.js'));
const { fitReferenceReconstruction, fitSegmentBounds, multivariateWindowAndSegments, multivariateWindow } = await import(join(dist, 'jobs/multivariate-drift.js'));

const ROWS = Number(process.env.BENCH_DRIFT_ROWS ?? 1_000_000);
const HISTORY = Number(process.env.BENCH_DRIFT_HISTORY ?? 10_000_000);
const FEATURES = 20;
const HOUR = 3600;
const T0 = 1795168800; // 2026-11-20T10:00:00Z, the window under test

const dir = mkdtempSync(join(tmpdir(), 'inferlens-drift-bench-'));
const store = await ClickHouseStore.open({ mode: 'embedded', dataDir: dir });
await store.migrate();

const keys = Array.from({ length: FEATURES }, (_, i) => `'f${i}'`).join(',');
const values = (shift) => Array.from({ length: FEATURES }, (_, i) => `(randNormal(${i}, 1) + ${shift})`).join(',');
/** Inserts `n` predictions spread over the hour starting at `start` (engine-generated rows). */
async function insertHour(start, n, shift = 0, seed = 0, version = 'v1') {
  for (let done = 0; done < n; done += 1_000_000) {
    const m = Math.min(1_000_000, n - done);
    // Segment: 12 values of unequal frequency, s11 the most frequent (23 of 144 rows), s0 the least (1).
    await store.command(`INSERT INTO predictions (Timestamp, PredictionId, Project, ModelName, ModelVersion, Segment, LatencyMs, Status, NumericFeatures)
      SELECT toDateTime64(${start} + (number * ${HOUR}) / ${m}, 9), toString(number + ${done + seed}), 'default', 'bench', '${version}',
             concat('s', toString(toUInt32(sqrt(number % 144)))), rand() / 1e7, 'ok',
             mapFromArrays([${keys}], [${values(shift)}])
      FROM numbers(${m})`);
  }
}

async function time(fn, repeats = 3) {
  let best = Infinity;
  let result;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    result = await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, result };
}

const STREAM = { project: 'default', model: 'bench', version: 'v1' };

async function driftWindow(reference, start) {
  const current = await profileWindow(store, STREAM, { fromMs: start * 1000, toMs: (start + HOUR) * 1000 });
  return compareProfiles(reference, current);
}

/** The same window per segment (at most 10 values, the rest as other): rank, one grouped profile, statistics. */
async function segmentedWindow(reference, start) {
  const range = { fromMs: start * 1000, toMs: (start + HOUR) * 1000 };
  const t0 = performance.now();
  const { counts, total } = await windowSegmentCounts(store, STREAM, range, {}, 10);
  const plan = planSegments(counts, total, 10);
  const t1 = performance.now();
  const profiles = await profileWindowSegments(store, STREAM, range, segmentGrouping({}, plan.values, OTHER_SEGMENT));
  const t2 = performance.now();
  const results = segmentNames(plan).map((s) => compareProfiles(reference, profiles.get(s)));
  const t3 = performance.now();
  results.split = [t1 - t0, t2 - t1, t3 - t2];
  return results;
}

/** The baseline: a plain per-feature sum over the same window's rows. */
async function sumScan(start) {
  return store.query(
    `SELECT k, sum(v) AS s FROM predictions ARRAY JOIN mapKeys(NumericFeatures) AS k, mapValues(NumericFeatures) AS v
     WHERE Project = {project:String} AND ModelName = {model:String} AND ModelVersion = {version:String}
       AND Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp < fromUnixTimestamp64Milli({to:Int64}) GROUP BY k`,
    { ...STREAM, from: start * 1000, to: (start + HOUR) * 1000 },
  );
}

console.log(`${ROWS} predictions x ${FEATURES} numeric features in the window; history up to ${HISTORY} rows; best of 3`);
let t = performance.now();
await insertHour(T0, ROWS, 0.3);
// Reference: 100k rows of the unshifted distribution in reference_data, profiled like a window.
await store.command(`INSERT INTO reference_data (Project, ReferenceId, RowIndex, NumericFeatures)
  SELECT 'default', 'ref', number, mapFromArrays([${keys}], [${values(0)}]) FROM numbers(100000)`);
const reference = await profileReferenceData(store, 'default', 'ref');
console.log(`setup: ${((performance.now() - t) / 1000).toFixed(1)} s`);

const drift1 = await time(() => driftWindow(reference, T0));
const scan1 = await time(() => sumScan(T0));
const segmented = await time(() => segmentedWindow(reference, T0));

// Multivariate: a pinned reference of 100k predictions (version ref, the hour before, the same segments).
const REF_FROM = T0 - 2 * HOUR;
await insertHour(REF_FROM, 100_000, 0, 200_000_000, 'ref');
const pinned = { kind: 'pinned', project: 'default', model: 'bench', version: 'ref', fromMs: REF_FROM * 1000, toMs: (REF_FROM + HOUR) * 1000 };
const pinnedProfile = await profileWindow(store, { ...STREAM, version: 'ref' }, { fromMs: pinned.fromMs, toMs: pinned.toMs });
const range1 = { fromMs: T0 * 1000, toMs: (T0 + HOUR) * 1000 };
const fit = await time(() => fitReferenceReconstruction(store, pinned, pinnedProfile, undefined), 1);
const fitted = fit.result;
const mvWhole = await time(() => multivariateWindow(store, fitted, STREAM, range1));
const plan1 = planSegments(...Object.values(await windowSegmentCounts(store, STREAM, range1, {}, 10)), 10);
const grouping1 = segmentGrouping({}, plan1.values, OTHER_SEGMENT);
const segBounds = await time(() => fitSegmentBounds(store, pinned, fitted, grouping1), 1);
const mvBoth = await time(() => multivariateWindowAndSegments(store, fitted, segBounds.result, STREAM, range1, grouping1));
const mvFlagged = [...mvBoth.result.segments.values()].filter((r) => r.drifted).length;
const flagged = drift1.result.filter((r) => r.drifted && r.source === 'feature').length;

// One more window (the hour after) of a tenth of the size, timed at the current history and again
// after the history grows to HISTORY rows in earlier hours.
const small = Math.max(1, Math.round(ROWS / 10));
await insertHour(T0 + HOUR, small, 0, 50_000_000);
const before = await time(() => driftWindow(reference, T0 + HOUR));
t = performance.now();
const extra = Math.max(0, HISTORY - ROWS - small);
for (let h = 1, left = extra; left > 0; h++) {
  const n = Math.min(ROWS, left);
  await insertHour(T0 - h * HOUR, n, 0, 100_000_000 + h * 1_000_000);
  left -= n;
}
console.log(`history grown by ${extra} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const after = await time(() => driftWindow(reference, T0 + HOUR));
const [{ n: total }] = await store.query('SELECT count() AS n FROM predictions');

const f = (ms) => `${ms.toFixed(0)} ms`;
console.log('');
console.log('| measurement | time | ratio |');
console.log('| --- | ---: | ---: |');
console.log(`| drift of one window: ${ROWS} rows x ${FEATURES} features (profile + statistics; ${flagged} of ${FEATURES} flagged) | ${f(drift1.ms)} | ${(drift1.ms / scan1.ms).toFixed(2)}x the scan |`);
console.log(`| plain per-feature sum() scan of the same rows | ${f(scan1.ms)} | 1.00x |`);
console.log(`| the same window per segment: ${segmented.result.length} segments (10 kept of 12 values + other), ranking + grouped profile + statistics (last run: ${segmented.result.split.map(f).join(' + ')}) | ${f(segmented.ms)} | ${(segmented.ms / scan1.ms).toFixed(2)}x the scan, ${(segmented.ms / drift1.ms).toFixed(2)}x the whole window |`);
console.log(`| multivariate, fit on the pinned reference (100k rows, ${fitted.model.components.length} components; once per reference) | ${f(fit.ms)} | |`);
console.log(`| multivariate of the whole window (${mvWhole.result.drifted ? 'drifted' : 'not drifted'}) | ${f(mvWhole.ms)} | ${(mvWhole.ms / drift1.ms).toFixed(2)}x the window's univariate drift |`);
console.log(`| multivariate per segment: bounds of ${segBounds.result.size} segments from the reference's rows of each (once per reference and plan) | ${f(segBounds.ms)} | |`);
console.log(`| multivariate of the whole window and its ${mvBoth.result.segments.size} segments in one pass (${mvFlagged} segments drifted) | ${f(mvBoth.ms)} | ${(mvBoth.ms / mvWhole.ms).toFixed(2)}x the whole window's multivariate alone |`);
const without = drift1.ms + mvWhole.ms + segmented.ms;
const withSegments = drift1.ms + mvBoth.ms + segmented.ms;
console.log(`| a window's drift without multivariate per segment (whole window's univariate + multivariate, segments' univariate) | ${f(without)} | 1.00x |`);
console.log(`| the same with multivariate per segment (every window; the bounds, read once per reference and plan, not counted) | ${f(withSegments)} | ${(withSegments / without).toFixed(2)}x |`);
console.log(`| one more window of ${small} rows, history ${ROWS + small} rows | ${f(before.ms)} | 1.00x |`);
console.log(`| the same window, history ${total} rows | ${f(after.ms)} | ${(after.ms / before.ms).toFixed(2)}x |`);
await store.close();
rmSync(dir, { recursive: true, force: true });
