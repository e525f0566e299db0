import { PoolExecutor } from '@futures/core';
import { expectHugeResultLosesOnlyItsWorker, tasks } from '@futures/core/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { zmq } from '../src/index.js';

// A result larger than the worker process's heap (--max-old-space-size): V8 aborts the
// process. What the executor promises: that task's future fails with WorkerLostError (naming
// how the process ended), the other futures are unaffected (the ones queued behind it on that
// worker never started, and run elsewhere), and a new local worker process takes its place.
const pools: PoolExecutor[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown({ cancelFutures: true })));
});

describe('a result larger than the worker process heap', () => {
  it('fails only its own future with WorkerLostError; a new worker process runs the rest', async () => {
    const p = new PoolExecutor({
      maxWorkers: 2,
      execArgv: ['--max-old-space-size=48'],
      transport: zmq({ heartbeatInterval: 200, heartbeatTimeout: 1000 }),
    });
    pools.push(p);
    await p.bootup();
    const pidsBefore = new Set(p.stats().workers.map((w) => w.pid));
    // a new local process replaces the one that died
    await expectHugeResultLosesOnlyItsWorker(p, /worker \d+ .*(killed by SIG|exited with code)/);
    const pids = await Promise.all(Array.from({ length: 8 }, () => p.submit(tasks.pid)));
    expect(pids.every((x) => typeof x === 'number')).toBe(true);
    expect(p.stats().workers.some((w) => !pidsBefore.has(w.pid))).toBe(true);
  });
});
