import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { onLines, removeDir, tempDataDir } from '../helpers/collector-process.js';

// `pnpm demo` as a person runs it in a terminal, then Ctrl-C: the terminal sends SIGINT to the
// whole foreground process group (pnpm, the shell, the demo), which is what this test does to
// the group it starts. Everything must stop, quietly, with exit status 0.

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

describe('pnpm demo, interrupted (Ctrl-C)', () => {
  const dataDir = tempDataDir('inferlens-demo-int-');
  afterAll(() => removeDir(dataDir));

  it('stops the replay, the telemetry and the collector quietly and exits 0', async () => {
    const child = spawn('pnpm', ['demo'], {
      cwd: ROOT,
      env: { ...process.env, DEMO_COLLECTOR_PORT: '0', DEMO_WEBHOOK_PORT: '0', DEMO_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, as a terminal's foreground job
    });
    const lines: string[] = [];
    onLines(child.stdout!, (l) => lines.push(l));
    onLines(child.stderr!, (l) => lines.push(`stderr: ${l}`));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    try {
      // Interrupted in full flight: the replay running and its first event seen.
      const deadline = Date.now() + 120_000;
      while (!lines.some((l) => / 1\/5 | 2\/5 | 3\/5 | 4\/5 | 5\/5 /.test(l))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the demo did not get going:\n${lines.join('\n')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const ui = lines.map((l) => /UI: (http:\/\/127\.0\.0\.1:\d+)\/ui\//.exec(l)?.[1]).find(Boolean)!;
      expect((await fetch(`${ui}/healthz`)).status).toBe(200);
      process.kill(-child.pid!, 'SIGINT');
      const code = await Promise.race([exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no exit 30 s after SIGINT:\n${lines.join('\n')}`)), 30_000))]);
      expect(code, lines.join('\n')).toBe(0);
      const after = lines.slice(lines.findIndex((l) => /stopping/.test(l)));
      expect(after[0]).toMatch(/^stopping \(the data stays in /);
      // Nothing after that line: no failed requests, no stack, no ELIFECYCLE from pnpm.
      expect(after.slice(1).filter((l) => l.trim() !== ''), lines.join('\n')).toEqual([]);
      expect(lines.join('\n')).not.toMatch(/request failed|ELIFECYCLE|Error:/);
      // The collector is gone with it.
      await expect(fetch(`${ui}/healthz`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  }, 180_000);
});
