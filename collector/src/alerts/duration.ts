/** Units of a Prometheus-style duration, in milliseconds. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses a Prometheus-style duration (`30s`, `5m`, `1h30m`, `0s`) into milliseconds.
 * @returns undefined when the text is not a duration
 */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
  return ms;
}

/** Formats milliseconds as the shortest Prometheus-style duration. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
