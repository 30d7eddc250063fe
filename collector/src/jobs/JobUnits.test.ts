import { describe, expect, it } from 'vitest';
import { JobUnits, unitId, type UnitKey } from './JobUnits.js';

const key = (project: string, extra: Record<string, string> = {}): UnitKey => ({ project, model: 'm', version: 'v1', ...extra });

describe('JobUnits', () => {
  it('runs every unit even when one fails, and reports each outcome', async () => {
    const errors: string[] = [];
    const units = new JobUnits({ now: () => 1_000_000, initialBackoffMs: 5000, onError: (u, err) => errors.push(`${u.project}: ${(err as Error).message}`) });
    const ran: string[] = [];
    const report = await units.run(['a', 'poison', 'c'], (p) => key(p), async (p) => {
      ran.push(p);
      if (p === 'poison') throw new Error('Cannot read DateTime');
      return { windows: 2, checkpointMs: 900_000 };
    });
    expect(ran).toEqual(['a', 'poison', 'c']);
    expect(report.windowsClosed).toBe(4);
    expect(report.units.map((u) => [u.unit.project, u.status, u.windows])).toEqual([['a', 'ok', 2], ['poison', 'failed', 0], ['c', 'ok', 2]]);
    expect(report.units[1]).toMatchObject({ error: 'Cannot read DateTime', nextAttemptAt: new Date(1_005_000).toISOString() });
    expect(errors).toEqual(['poison: Cannot read DateTime']);
  });

  it('backs a failing unit off exponentially up to the maximum, and resets once it succeeds', async () => {
    let now = 0;
    let failing = true;
    const units = new JobUnits({ now: () => now, initialBackoffMs: 1000, maxBackoffMs: 3000 });
    let calls = 0;
    const work = async () => {
      calls++;
      if (failing) throw new Error('down');
      return { windows: 1 };
    };
    const attempt = () => units.run(['x'], (p) => key(p), work).then((r) => r.units[0]!);

    expect((await attempt()).nextAttemptAt).toBe(new Date(1000).toISOString());
    now = 999;
    expect(await attempt()).toMatchObject({ status: 'backoff', error: 'down', nextAttemptAt: new Date(1000).toISOString() });
    expect(calls).toBe(1);
    now = 1000;
    expect(await attempt()).toMatchObject({ status: 'failed', nextAttemptAt: new Date(3000).toISOString() }); // 2 s
    now = 3000;
    expect(await attempt()).toMatchObject({ status: 'failed', nextAttemptAt: new Date(6000).toISOString() }); // 4 s, capped at 3 s
    expect(units.status()[0]).toMatchObject({ consecutiveFailures: 3, lastError: 'down', lastErrorAt: new Date(3000).toISOString(), lastSuccessAt: null });

    failing = false;
    now = 6000;
    expect(await attempt()).toMatchObject({ status: 'ok', windows: 1 });
    expect(units.status()[0]).toMatchObject({ consecutiveFailures: 0, nextAttemptAt: null, lastSuccessAt: new Date(6000).toISOString(), windowsClosed: 1 });
    expect(calls).toBe(4);
  });

  it('shows failing units first, lag behind the clock, and forgets units no longer listed', async () => {
    let now = 10_000;
    const units = new JobUnits({ now: () => now });
    await units.run(['a', 'b', 'c'], (p) => key(p, { slo: 'latency' }), async (p) => {
      if (p === 'c') throw new Error('boom');
      return { windows: 1, checkpointMs: p === 'a' ? 4000 : undefined };
    });
    now = 12_000;
    const status = units.status();
    expect(status.map((s) => s.unit.project)).toEqual(['c', 'a', 'b']);
    expect(status[1]).toMatchObject({ checkpoint: new Date(4000).toISOString(), lagSeconds: 8, unit: { slo: 'latency' } });
    expect(status[2]).toMatchObject({ checkpoint: null, lagSeconds: null });

    await units.run(['a'], (p) => key(p, { slo: 'latency' }), async () => ({ windows: 0 }));
    expect(units.status().map((s) => s.unit.project)).toEqual(['a']);
  });

  it('keeps going when the failure hook itself throws', async () => {
    const units = new JobUnits({
      onError: () => {
        throw new Error('logger broke');
      },
    });
    const report = await units.run([1, 2], (n) => key(String(n)), async (n) => {
      if (n === 1) throw new Error('unit failed');
      return { windows: 3 };
    });
    expect(report.units.map((u) => u.status)).toEqual(['failed', 'ok']);
    expect(report.windowsClosed).toBe(3);
  });

  it('identifies a unit by its fields, whatever their order', () => {
    expect(unitId({ project: 'p', model: 'm', version: 'v', slo: 's' })).toBe(unitId({ slo: 's', version: 'v', model: 'm', project: 'p' }));
    expect(unitId(key('p', { slo: 'a' }))).not.toBe(unitId(key('p', { slo: 'b' })));
  });
});
