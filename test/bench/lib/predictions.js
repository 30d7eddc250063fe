// The prediction records the ingestion benchmarks send: 10 numeric and 3 categorical features,
// one output, random ids and values.

const DAY_MS = 86_400_000;
/**
 * Yesterday 10:00 UTC: the same time of day and one partition for every run, and within the
 * collector's event-time bounds (limits.maxEventAgeSeconds) whatever the date.
 */
const START = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS + 10 * 3_600_000;

/** Record `i`: an epoch-milliseconds timestamp `i` ms after a start relative to today. */
export function benchPrediction(i) {
  const features = {};
  for (let f = 0; f < 10; f++) features[`f${f}`] = Math.round(Math.random() * 1e6) / 1e3;
  features.country = ['FR', 'DE', 'US', 'JP'][i % 4];
  features.device = ['ios', 'android', 'web'][i % 3];
  features.plan = ['free', 'pro'][i % 2];
  return {
    predictionId: `bench-${i}-${Math.random().toString(36).slice(2, 10)}`,
    model: 'bench-model',
    version: `v${i % 3}`,
    timestamp: START + i,
    latencyMs: Math.round(Math.random() * 5000) / 100,
    features,
    outputs: { score: Math.random() },
  };
}
