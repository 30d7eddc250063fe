// Child processes for the benchmarks: start one and learn its port from its JSON log, and read
// the CPU time a process used (Linux /proc).
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Spawns `node ...args` with stdout piped, reads its JSON log lines (one object a line), and
 * resolves with the child and the `port` of the first line whose `msg` is `listening`. `onLog`
 * sees every log line, before and after. Rejects if the child exits or `timeoutMs` passes first.
 */
export function spawnListening(args, { env = process.env, listening, onLog, timeoutMs = 60_000 }) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${args.join(' ')}: no "${listening}" log line within ${timeoutMs} ms`)), timeoutMs);
    let buf = '';
    let started = false;
    child.stdout.on('data', (c) => {
      buf += c;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let rec;
        try {
          rec = JSON.parse(line);
        } catch {
          continue; // not a JSON log line
        }
        onLog?.(rec);
        if (!started && rec.msg === listening) {
          started = true;
          clearTimeout(timer);
          res({ child, port: rec.port });
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!started) rej(new Error(`${args.join(' ')} exited with ${code} before "${listening}"`));
    });
  });
}

let tick = 100;
try {
  tick = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {}

/** CPU seconds (user + system, all threads) a process used so far, from /proc/<pid>/stat; NaN when unreadable. */
export function processCpuSeconds(pid) {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * CPU seconds (user + system) of a process's main thread alone (the JS event loop of a Node
 * process; its other threads are libuv's pool, V8's GC and compiler helpers), from
 * /proc/<pid>/task/<pid>/stat; NaN when unreadable.
 */
export function mainThreadCpuSeconds(pid) {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuSeconds(path) {
  try {
    const stat = readFileSync(path, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / tick; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

/** Clock ticks per second of /proc's CPU times. */
export const CLOCK_TICKS = tick;

/**
 * Waits until `cpuSeconds()` (a process's CPU time so far) grows by less than `maxCores` of a core
 * over `windowMs`, e.g. until the engine's background merges after a phase have finished, so the
 * next phase does not share the cores with them. Polls; gives up after `timeoutMs` and resolves
 * `false` (the caller says so), else `true`.
 */
export async function waitForQuiet(cpuSeconds, { windowMs = 1000, maxCores = 0.05, timeoutMs = 60_000 } = {}) {
  const deadline = performance.now() + timeoutMs;
  let before = cpuSeconds();
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = cpuSeconds();
    if (now - before < (maxCores * windowMs) / 1000) return true;
    before = now;
  }
  return false;
}
