/**
 * Exact two-sided p-value of the two-sample Kolmogorov–Smirnov statistic: the share of
 * the C(m+n, m) equally likely lattice paths from (0, 0) to (m, n) that touch the region
 * |i/m − j/n| ≥ d. Follows the recursion behind scipy's `_compute_outer_prob_inside_method`
 * (Hodges 1958): A(i, j) is the share of paths to (i, j) that have already been outside,
 * A(i, j) = (i·A(i−1, j) + j·A(i, j−1)) / (i + j) inside the band and 1 outside it. Values
 * stay in [0, 1], so nothing overflows; work is O(m · band width).
 *
 * `h` is the statistic in units of 1/lcm(m, n) (an integer), `g` = gcd(m, n).
 */
export function smirnovTwoSampleExact(m: number, n: number, h: number): number {
  if (h <= 0) return 1;
  if (m < n) [m, n] = [n, m];
  const g = gcd(m, n);
  const mg = m / g;
  const ng = n / g;
  // Column over j = 0..n for the current i; cells outside the band hold 1.
  const A = new Float64Array(n + 1).fill(1);
  // Inside the band for row i: ng·i − h < mg·j < ng·i + h.
  const lowJ = (i: number): number => Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
  const highJ = (i: number): number => Math.min(Math.ceil((ng * i + h) / mg) - 1, n);
  let prevLow = lowJ(0);
  {
    const hi = highJ(0);
    for (let j = prevLow; j <= hi; j++) A[j] = j === 0 ? 0 : A[j - 1];
  }
  for (let i = 1; i <= m; i++) {
    const lo = lowJ(i);
    const hi = highJ(i);
    if (hi < lo) return 1;
    for (let j = prevLow; j < lo && j <= n; j++) A[j] = 1;
    for (let j = lo; j <= hi; j++) {
      const left = A[j];
      const below = j === 0 ? 0 : A[j - 1];
      A[j] = (i * left + j * below) / (i + j);
    }
    prevLow = lo;
  }
  return A[n];
}

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
