import { describe, expect, it } from 'vitest';
import { step, type ActiveAlert, type Observation, type RuleTiming } from './alert-state.js';

const ID = { rule: 'R', fingerprint: 'f1' };
const on = (value: number): Observation => ({ active: true, value, labels: { alertname: 'R' }, annotations: { summary: `v=${value}` } });
const off: Observation = { active: false };

/** Drives one instance through observations at controlled times; returns the states and transitions. */
function drive(timing: RuleTiming, script: Array<[number, Observation]>) {
  let cur: ActiveAlert | undefined;
  const states: string[] = [];
  const transitions: string[] = [];
  for (const [t, obs] of script) {
    const r = step(cur, obs, t, timing, ID);
    cur = r.next;
    states.push(cur?.state ?? 'inactive');
    for (const x of r.transitions) transitions.push(`${x.atMs}:${x.from}->${x.to}`);
  }
  return { states, transitions, last: cur };
}

describe('alert state machine', () => {
  it('inactive → pending → firing after `for`, then resolved when the condition clears', () => {
    const r = drive({ forMs: 60_000, keepFiringForMs: 0 }, [
      [0, off],
      [1000, on(1)],
      [30_000, on(2)],
      [60_999, on(3)],
      [61_000, on(4)],
      [90_000, on(5)],
      [120_000, off],
      [150_000, off],
    ]);
    expect(r.states).toEqual(['inactive', 'pending', 'pending', 'pending', 'firing', 'firing', 'inactive', 'inactive']);
    expect(r.transitions).toEqual(['1000:inactive->pending', '61000:pending->firing', '120000:firing->resolved']);
  });

  it('a pending alert that clears is dropped, and starts over when active again', () => {
    const r = drive({ forMs: 60_000, keepFiringForMs: 0 }, [
      [0, on(1)],
      [30_000, off],
      [40_000, on(1)],
      [99_000, on(1)],
      [100_000, on(1)],
    ]);
    expect(r.transitions).toEqual(['0:inactive->pending', '30000:pending->inactive', '40000:inactive->pending', '100000:pending->firing']);
    expect(r.last).toMatchObject({ state: 'firing', activeAtMs: 40_000, firedAtMs: 100_000 });
  });

  it('for: 0s fires at once', () => {
    const r = drive({ forMs: 0, keepFiringForMs: 0 }, [[5, on(7)], [6, off]]);
    expect(r.transitions).toEqual(['5:inactive->firing', '6:firing->resolved']);
  });

  it('keep_firing_for holds a firing alert after its condition clears, and resumes on a new activation', () => {
    const r = drive({ forMs: 0, keepFiringForMs: 30_000 }, [
      [0, on(1)],
      [10_000, off], // within keep_firing_for of the last activation (0)
      [20_000, on(2)], // active again: lastActive = 20 s
      [45_000, off], // 25 s after: still firing
      [50_000, off], // 30 s after: resolves
    ]);
    expect(r.states).toEqual(['firing', 'firing', 'firing', 'firing', 'inactive']);
    expect(r.transitions).toEqual(['0:inactive->firing', '50000:firing->resolved']);
  });

  it('keeps the latest value, labels and annotations while firing, and the first activation time', () => {
    const r = drive({ forMs: 0, keepFiringForMs: 0 }, [[0, on(1)], [1, on(9)]]);
    expect(r.last).toMatchObject({ value: 9, activeAtMs: 0, firedAtMs: 0, lastActiveAtMs: 1, annotations: { summary: 'v=9' } });
  });

  it('consecutive_windows: pending until the condition held in N evaluations in a row; a window without it starts the count over', () => {
    const r = drive({ forMs: 0, keepFiringForMs: 0, consecutiveWindows: 3 }, [
      [0, on(1)],
      [1, on(1)],
      [2, off],
      [3, on(1)],
      [4, on(1)],
      [5, on(1)],
    ]);
    expect(r.states).toEqual(['pending', 'pending', 'inactive', 'pending', 'pending', 'firing']);
    expect(r.transitions).toEqual(['0:inactive->pending', '2:pending->inactive', '3:inactive->pending', '5:pending->firing']);
    // With `for` too, both must be met.
    const both = drive({ forMs: 10, keepFiringForMs: 0, consecutiveWindows: 2 }, [[0, on(1)], [5, on(1)], [10, on(1)]]);
    expect(both.transitions).toEqual(['0:inactive->pending', '10:pending->firing']);
  });

  it('stays inactive with no instance while the condition does not hold', () => {
    const r = drive({ forMs: 0, keepFiringForMs: 0 }, [[0, off], [1, off]]);
    expect(r.transitions).toEqual([]);
    expect(r.last).toBeUndefined();
  });
});
