import { PoolExecutor } from '@futures/core';
import { expectHugeResultLosesOnlyItsWorker, tasks } from '@futures/core/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { shm } from '../src/index.js';

// A result larger than the worker's memory: V8 cannot recover from running out of heap, so
// the worker thread ends. What the executor promises: that task's future fails with a
// WorkerLostError that says so, the other futures are unaffected (the ones queued behind it
// on that worker never started, and run elsewhere), and a replacement worker takes its place.
const pools: PoolExecutor[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown({ cancelFutures: true })));
});

describe('a result larger than the worker thread heap', () => {
  it('fails only its own future (WorkerLostError naming the memory limit); a replacement runs the rest', async () => {
    const p = new PoolExecutor({
      maxWorkers: 2,
      transport: shm({ resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 } }),
    });
    pools.push(p);
    await expectHugeResultLosesOnlyItsWorker(p, /memory/i);
    expect(await p.submit(tasks.add, 40, 2)).toBe(42);
  });
});
