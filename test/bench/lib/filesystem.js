// How long creating a file takes where a benchmark keeps the engine's data. The engine writes a
// part of a dozen files or more per insert and removes merged parts; on ext4 without a journal,
// each creation skips the inodes removed in the last minutes, so its cost grows with the removals
// before it (0.02 ms on a quiet directory of this machine, 0.5 ms after many). Printed beside
// the figures, it tells a slow filesystem moment from a slow collector.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Mean microseconds to create (and close) an empty file in a fresh folder under `dir`. */
export function fileCreateMicros(dir, files = 300) {
  const probe = mkdtempSync(join(dir, 'fs-probe-'));
  try {
    const t0 = performance.now();
    for (let i = 0; i < files; i++) closeSync(openSync(join(probe, `f${i}`), 'w'));
    return ((performance.now() - t0) * 1000) / files;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
