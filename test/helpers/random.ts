/**
 * Seeded pseudo-random numbers for tests (mulberry32), so that a failure reproduces:
 * `uniform()` in [0, 1), `normal(mean, sd)` (Box–Muller), `pick([[value, probability], ...])`.
 */
export function rng(seed: number) {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (mean = 0, sd = 1): number => mean + sd * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const pick = <T>(items: Array<[T, number]>): T => {
    let u = uniform();
    for (const [v, p] of items) if ((u -= p) < 0) return v;
    return items[items.length - 1]![0];
  };
  return { uniform, normal, pick };
}

/** Just the uniform generator of {@link rng}. */
export function random(seed: number): () => number {
  return rng(seed).uniform;
}
