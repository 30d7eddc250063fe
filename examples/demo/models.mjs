// The demo's two versions of the `rain-tomorrow` model, trained at start-up from the weather data:
//
// - v1, in production: a logistic regression (`ml-logistic-regression`) over today's
//   measurements, the weather category and the city, trained on every day of 2012–2013.
// - v2, the candidate: a random forest of 120 trees (`ml-random-forest`), retrained on the warm
//   season only (March–October 2013). It is slower (a forest instead of one dot product) and less
//   accurate in the months it never saw; it also checks its input contract, as a guarded model
//   should, and refuses measurements outside what it was trained on (colder days, snow), so
//   it fails part of the winter's calls.
//
// Both answer `{ score, label }`: the probability of rain tomorrow and `rain` / `dry` at 0.5.
import { createRequire } from 'node:module';
import { RandomForestClassifier } from 'ml-random-forest';
import { Matrix } from 'ml-matrix';
import { NUMERIC_COLUMNS, WEATHER_KINDS } from './weather.mjs';

// A CommonJS package: its default export through require.
const LogisticRegression = createRequire(import.meta.url)('ml-logistic-regression');

/** The error v2's encoder throws on a category its training data lacked. */
export class UnknownCategory extends Error {
  name = 'UnknownCategory';
}

/** Mean and standard deviation of each numeric column over `days`. */
function scalerOf(days) {
  return NUMERIC_COLUMNS.map((c) => {
    const xs = days.map((d) => d[c]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length) || 1;
    return { mean, sd };
  });
}

/** Standardised numeric columns, the weather one-hot over `kinds`, and 1 for Seattle. */
function encode(day, scaler, kinds = WEATHER_KINDS) {
  return [
    ...NUMERIC_COLUMNS.map((c, i) => (day[c] - scaler[i].mean) / scaler[i].sd),
    ...kinds.map((w) => (day.weather === w ? 1 : 0)),
    day.city === 'Seattle' ? 1 : 0,
  ];
}

const answer = (score) => ({ score, label: score >= 0.5 ? 'rain' : 'dry' });

/**
 * v1: logistic regression by gradient descent (300 full-batch steps, standardised inputs and a
 * bias column); about 0.3 s to train.
 * @param {import('./weather.mjs').Day[]} days labelled training days
 */
export function trainBaseline(days) {
  const scaler = scalerOf(days);
  const row = (d) => [1, ...encode(d, scaler)];
  const model = new LogisticRegression({ numSteps: 300, learningRate: 5e-4 });
  model.train(new Matrix(days.map(row)), Matrix.columnVector(days.map((d) => (d.rainTomorrow === 'rain' ? 1 : 0))));
  // One-vs-all over the classes 0 and 1: the classifier of class 0 scores "not 0", that is rain.
  const rain = model.classifiers[0];
  return {
    version: 'v1',
    description: 'logistic regression, trained on 2012–2013',
    trainingDays: days,
    /** @param {import('./weather.mjs').Day} day */
    predict(day) {
      return answer(rain.testScores(new Matrix([row(day)]))[0]);
    },
  };
}

/**
 * v2: a random forest (120 trees of depth up to 8, 60% of the columns each, bagged, fixed seed),
 * with an input contract from its training data: numeric values within the seen [min, max], and
 * only seen weather categories. A few seconds to train.
 * @param {import('./weather.mjs').Day[]} days labelled training days
 */
export function trainCandidate(days, { trees = 120, depth = 8 } = {}) {
  const scaler = scalerOf(days);
  const kinds = WEATHER_KINDS.filter((w) => days.some((d) => d.weather === w));
  const forest = new RandomForestClassifier({
    seed: 7,
    nEstimators: trees,
    maxFeatures: 0.6,
    replacement: true,
    useSampleBagging: true,
    noOOB: true,
    treeOptions: { maxDepth: depth, minNumSamples: 3 },
  });
  forest.train(
    days.map((d) => encode(d, scaler, kinds)),
    days.map((d) => (d.rainTomorrow === 'rain' ? 1 : 0)),
  );
  return {
    version: 'v2',
    description: `random forest of ${trees} trees, trained on summer 2013`,
    trainingDays: days,
    /** @param {import('./weather.mjs').Day} day */
    predict(day) {
      if (!kinds.includes(day.weather)) throw new UnknownCategory(`weather "${day.weather}" was not in the training data (${kinds.join(', ')})`);
      return answer(forest.predictProbability([encode(day, scaler, kinds)], 1)[0]);
    },
  };
}
