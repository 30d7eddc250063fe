import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DataLossReport } from '../DataLossReport.js';
import { LossReporter } from './LossReporter.js';

const stats = { exported: 5, dropped: 7, failed: 1, queued: 3 };

afterEach(() => {
  vi.useRealTimers();
});

describe('LossReporter', () => {
  it('reports the first loss from a timer (not on the caller stack), then at most once per interval, adding up what came between', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const reports: DataLossReport[] = [];
    const r = new LossReporter('predictions', { stats: () => stats, failingSince: () => Date.now() - 32_000 }, (x) => reports.push(x), 10_000);
    r.count('queueFull', 1, 'connect ECONNREFUSED');
    expect(reports).toEqual([]); // not synchronously
    await vi.advanceTimersByTimeAsync(1);
    expect(reports).toHaveLength(1);
    for (let i = 0; i < 5; i++) r.count('queueFull', 1);
    r.count('refused', 2, 'HTTP 400: bad');
    await vi.advanceTimersByTimeAsync(9_990);
    expect(reports).toHaveLength(1); // within the interval: held back
    await vi.advanceTimersByTimeAsync(20);
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatchObject({ queue: 'predictions', dropped: 5, failed: 2, byReason: { queueFull: 5, tooLarge: 0, invalid: 0, shutdown: 0, refused: 2 }, lastError: 'HTTP 400: bad', stats });
    expect(reports[0].message).toBe(
      'lost 1 prediction records: 1 dropped because the queue was full, the collector unreachable or busy for 32 s; last error: connect ECONNREFUSED. ' +
        'Since start: exported 5, dropped 7, failed 1, queued 3 (monitor.stats())',
    );
    // flush writes what is pending at once; nothing pending, nothing written.
    r.count('shutdown', 4);
    r.flush();
    expect(reports).toHaveLength(3);
    expect(reports[2]).toMatchObject({ dropped: 4, byReason: { shutdown: 4 } });
    r.flush();
    expect(reports).toHaveLength(3);
  });
});
