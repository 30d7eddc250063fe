/** Sums from which {@link regressionFromSums} finishes the metrics; add two to merge them. */
export interface RegressionSums {
  rows: number;
  /** Σ |y − ŷ| */
  absError: number;
  /** Σ (y − ŷ)² */
  squaredError: number;
  /** Rows with y ≠ 0, the ones MAPE is defined on. */
  nonZeroRows: number;
  /** Σ |y − ŷ| / |y| over rows with y ≠ 0. */
  absPercentError: number;
}

/** Regression error metrics. */
export interface RegressionMetrics {
  rows: number;
  mae: number;
  rmse: number;
  /** Mean absolute percentage error as a fraction (0.05 = 5%), over rows whose true value is not 0; NaN when none. */
  mape: number;
}

/** The sums of a {@link RegressionSums} for raw true and predicted values (same length). */
export function summarizeRegression(truth: readonly number[], predicted: readonly number[]): RegressionSums {
  const s: RegressionSums = { rows: 0, absError: 0, squaredError: 0, nonZeroRows: 0, absPercentError: 0 };
  for (let i = 0; i < truth.length; i++) {
    const e = truth[i]! - predicted[i]!;
    s.rows++;
    s.absError += Math.abs(e);
    s.squaredError += e * e;
    if (truth[i] !== 0) {
      s.nonZeroRows++;
      s.absPercentError += Math.abs(e) / Math.abs(truth[i]!);
    }
  }
  return s;
}

/** MAE, RMSE and MAPE from sums (computed anywhere, e.g. in ClickHouse). NaN without rows. */
export function regressionFromSums(s: RegressionSums): RegressionMetrics {
  return {
    rows: s.rows,
    mae: s.rows > 0 ? s.absError / s.rows : NaN,
    rmse: s.rows > 0 ? Math.sqrt(s.squaredError / s.rows) : NaN,
    mape: s.nonZeroRows > 0 ? s.absPercentError / s.nonZeroRows : NaN,
  };
}
