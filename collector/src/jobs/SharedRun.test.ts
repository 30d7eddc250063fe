import { describe, expect, it } from 'vitest';
import { SharedRun } from './SharedRun.js';

describe('SharedRun', () => {
  it('shares a run in progress and starts a new one after it ends', async () => {
    let calls = 0;
    let release!: () => void;
    const shared = new SharedRun(async () => {
      calls++;
      await new Promise<void>((r) => (release = r));
      return calls;
    });
    const a = shared.run();
    const b = shared.run();
    expect(a).toBe(b);
    release();
    expect(await a).toBe(1);
    const c = shared.run();
    release();
    expect(await c).toBe(2);
    expect(calls).toBe(2);
  });

  it('idle() waits for the run and swallows its failure', async () => {
    let fail!: (e: Error) => void;
    const shared = new SharedRun(() => new Promise<number>((_, reject) => (fail = reject)));
    const run = shared.run();
    const idle = shared.idle();
    fail(new Error('boom'));
    await expect(run).rejects.toThrow('boom');
    await expect(idle).resolves.toBeUndefined();
  });
});
