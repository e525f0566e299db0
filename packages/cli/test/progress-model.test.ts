import type { ExecutorStats, ProgressMessage } from '@futures/core';
import { describe, expect, it } from 'vitest';
import { formatFinal, formatLine } from '../src/progress/format.js';
import { ProgressModel } from '../src/progress/model.js';

/** A snapshot at uptime `t`; each worker is [inFlight, completed, lifetime utilization, busy ms (default utilization × t)]. */
function msg(
  id: string,
  t: number,
  completed: number,
  workers: ([number, number, number] | [number, number, number, number])[],
  extra: Partial<ExecutorStats> = {},
  final = false,
): ProgressMessage {
  return {
    type: 'futures:stats',
    v: 1,
    id,
    transport: 'shm',
    final,
    stats: {
      submitted: 100,
      completed,
      failed: 0,
      cancelled: 0,
      retried: 0,
      revokes: 0,
      stolen: 0,
      queued: 100 - completed,
      running: 0,
      uptimeMs: t,
      workers: workers.map(([inFlight, done, utilization, busy], i) => ({
        workerId: i + 1,
        host: 'h',
        pid: 1,
        inFlight,
        completed: done,
        utilization,
        busyMs: busy ?? utilization * t,
      })),
      ...extra,
    },
  };
}

describe('ProgressModel', () => {
  it('computes tasks/s over the last second and recent utilisation from the lifetime shares', () => {
    const m = new ProgressModel();
    m.update(
      msg('a', 1000, 0, [
        [1, 0, 0],
        [0, 0, 0],
      ]),
    );
    // w1 busy all of the last second (busy 0 ms -> 1000 ms of 2000), w2 idle
    m.update(
      msg('a', 1500, 50, [
        [1, 50, 0.5 / 1.5],
        [0, 0, 0],
      ]),
    );
    m.update(
      msg('a', 2000, 100, [
        [0, 100, 0.5],
        [0, 0, 0],
      ]),
    );
    const v = m.view();
    expect(v.rate).toBeCloseTo(100);
    expect(v.workers.map((w) => [w.label, Math.round(w.utilisation * 100)])).toEqual([
      ['w1', 100],
      ['w2', 0],
    ]);
    expect(formatLine(v)).toBe(
      'futures: 100/100 done, 0 failed | 100 tasks/s | queue 0, running 0 | 2 workers, util 50% (w1 100% w2 0%) | 2.0s',
    );
  });

  it('measures a worker that joined later from when it was first seen', () => {
    const m = new ProgressModel();
    m.update(msg('a', 1000, 0, [[1, 0, 1]]));
    m.update(
      msg('a', 2000, 0, [
        [1, 0, 1],
        [1, 0, 1, 0],
      ]),
    );
    // w2 joined at ~2000 and has been busy half of its 1000 ms since
    m.update(
      msg('a', 3000, 0, [
        [1, 0, 1],
        [1, 0, 0.5, 500],
      ]),
    );
    expect(m.view().workers.map((w) => Math.round(w.utilisation * 100))).toEqual([100, 50]);
  });

  it('sums several executors and reports each final snapshot once', () => {
    const m = new ProgressModel();
    m.update(msg('a', 100, 10, [[1, 10, 1]]));
    m.update(msg('b', 100, 20, [[1, 20, 1]]));
    expect(m.view()).toMatchObject({ executors: 2, live: 2, submitted: 200, completed: 30 });
    expect(m.view().workers.map((w) => w.label)).toEqual(['e1.w1', 'e2.w1']);
    const final = m.update(msg('a', 2000, 100, [[0, 100, 0.9]], {}, true));
    expect(final).not.toBeNull();
    expect(formatFinal(final!)).toBe(
      'futures: shm executor finished 100 tasks (100 ok, 0 failed, 0 cancelled) in 2.0s, 50.0 tasks/s',
    );
    expect(m.update(msg('a', 2100, 100, [[0, 100, 0.9]], {}, true))).toBeNull();
    expect(m.view()).toMatchObject({ live: 1, completed: 120 });
  });
});
