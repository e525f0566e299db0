import { PoolExecutor } from '@futures/core';
import { runConformanceSuite, tasks, untilGone } from '@futures/core/conformance';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mpi } from '../src/index.js';
import { HAS_MPI, NO_MPI_REASON, newTag, taggedWorkers } from './support/processes.js';

// Spawn mode, as a plain `node app.js` gets it: this test process is an MPI singleton and
// every executor spawns its workers with MPI_Comm_spawn. Everything it spawns carries TAG.
const TAG = newTag();
process.env.FUTURES_TEST_TAG = TAG;

if (HAS_MPI) {
  runConformanceSuite({
    name: 'mpi spawn',
    createExecutor: (options) => new PoolExecutor({ ...options, transport: mpi({ mpiMode: 'spawn' }) }),
    // An MPI job cannot replace a rank: an ignored abort breaks instead of restarting a worker.
    capabilities: { replaceWorkers: false },
  });

  describe('mpi spawn: processes', () => {
    afterEach(async () => {
      // After each test's executors shut down, their spawned workers exit.
      expect(await untilGone(() => taggedWorkers(TAG))).toEqual([]);
    });

    it('runs several executors at once and in sequence, each on its own workers', async () => {
      const a = new PoolExecutor({ transport: mpi(), maxWorkers: 2 });
      const b = new PoolExecutor({ transport: mpi(), maxWorkers: 1 });
      try {
        await Promise.all([a.bootup(), b.bootup()]); // both spawn at once
        const [pa, pb] = await Promise.all([
          Promise.all([0, 1, 2, 3].map(() => a.submit(() => process.pid))),
          Promise.all([0, 1].map(() => b.submit(() => process.pid))),
        ]);
        expect(new Set(pa).size).toBe(2);
        expect(new Set(pb).size).toBe(1);
        expect(pa).not.toContain(pb[0]);
      } finally {
        await Promise.all([a.shutdown(), b.shutdown()]);
      }
      const c = new PoolExecutor({ transport: mpi(), maxWorkers: 2 });
      try {
        expect(await c.submit((x: number) => x * 3, 14)).toBe(42);
      } finally {
        await c.shutdown();
      }
    });
  });

  describe('mpi spawn: a broken executor', () => {
    it("leaves nothing on the wire for the next one (its workers' late messages are drained)", async () => {
      // Each worker reports its failed initializer; the executor breaks at the first report.
      // The second must be received before the communicator is freed, or MPI may match it
      // on the next executor's new communicator (context ids are reused).
      for (let i = 0; i < 3; i++) {
        const broken = new PoolExecutor({
          transport: mpi(),
          maxWorkers: 2,
          initializer: tasks.failInitializer,
        });
        await expect(broken.submit(tasks.add, 1, 1)).rejects.toThrow(/initializer refused to start/);
        await broken.shutdown();
        const next = new PoolExecutor({ transport: mpi(), maxWorkers: 2 });
        expect(await Promise.all([next.submit(tasks.add, 2, 3), next.submit(tasks.add, 4, 5)])).toEqual([
          5, 9,
        ]);
        await next.shutdown();
      }
    });
  });

  afterAll(async () => {
    expect(await untilGone(() => taggedWorkers(TAG))).toEqual([]);
  });
} else {
  describe.skip(`mpi spawn (${NO_MPI_REASON})`, () => {
    it('needs MPI', () => {});
  });
}
