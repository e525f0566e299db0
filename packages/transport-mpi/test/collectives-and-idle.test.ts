import * as fs from 'node:fs';
import { PoolExecutor } from '@futures/core';
import { untilGone } from '@futures/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCommWorkers, mpi } from '../src/index.js';
import { HAS_MPI, NO_MPI_REASON, newTag, taggedWorkers } from './support/processes.js';
import { tasks } from './support/tasks.js';

const TAG = newTag();
process.env.FUTURES_TEST_TAG = TAG;

/** CPU seconds (user + system) a process used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (clock ticks: 100/s)
}

describe.skipIf(!HAS_MPI)(`workers' communicator and idle CPU${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, () => {
  let pool: PoolExecutor;
  let pids: number[];

  beforeAll(async () => {
    pool = new PoolExecutor({ transport: mpi(), maxWorkers: 3 });
    await pool.bootup();
    pids = [...new Set(await Promise.all([0, 1, 2, 3, 4, 5].map(() => pool.submit(tasks.pid))))];
  });

  afterAll(async () => {
    await pool?.shutdown();
    expect(await untilGone(() => taggedWorkers(TAG))).toEqual([]);
  });

  it('a task reaches the workers communicator: barrier, allreduce, bcast', async () => {
    expect(pool.numWorkers).toBe(3);
    const results = await Promise.all([0, 1, 2].map(() => pool.submit(tasks.collectives)));
    expect(results.map((r) => r.rank).sort()).toEqual([0, 1, 2]);
    for (const r of results) {
      expect(r.size).toBe(3);
      expect(r.sum).toEqual([6, 3]);
      expect(r.max).toBe(20);
      expect(r.bcast).toEqual(['123', '-5']);
    }
  });

  it('getCommWorkers() outside a worker says where it works', () => {
    expect(() => getCommWorkers()).toThrow(/only inside a task running on an MPI worker/);
  });

  it('an idle pool costs little CPU: controller and workers back off', async () => {
    expect(pids).toHaveLength(3);
    await pool.submit(tasks.pid);
    await new Promise((r) => setTimeout(r, 200)); // past the brief spin after the last message
    const before = [process.cpuUsage(), ...pids.map(cpuSeconds)] as const;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const wall = (performance.now() - t0) / 1000;
    const own = process.cpuUsage(before[0] as NodeJS.CpuUsage);
    const controller = (own.user + own.system) / 1e6 / wall;
    const workers = pids.map((p, i) => (cpuSeconds(p) - (before[i + 1] as number)) / wall);
    // Targets are < 5% of a core; the bounds here leave room for a loaded CI machine.
    expect(controller).toBeLessThan(0.15);
    for (const w of workers) expect(w).toBeLessThan(0.15);
  });
});
