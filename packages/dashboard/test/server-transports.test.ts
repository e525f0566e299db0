import { PoolExecutor, task } from '@futures/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDashboard, dashboardUrl } from '../src/index.js';
import { HAS_MPI, mpiEnv } from './support/mpi.js';
import { EventStream } from './support/sse.js';

// The same stream from executors whose workers are processes: zmq (local worker processes)
// and mpi (ranks spawned from this process). shm is in server.test.ts.

const TASKS = new URL('./programs/tasks.mjs', import.meta.url);
const add = task<(a: number, b: number) => number>(TASKS, 'add');

for (const [k, v] of Object.entries(mpiEnv())) process.env[k] = v;

afterEach(async () => {
  await closeDashboard();
});

for (const transport of ['zmq', 'mpi'] as const) {
  describe.skipIf(transport === 'mpi' && !HAS_MPI)(`the dashboard server (${transport})`, () => {
    it('shows the worker processes, their tasks and the transport settings, without secrets', async () => {
      const pool = new PoolExecutor({ transport, maxWorkers: 2, dashboard: true } as never);
      await pool.bootup();
      const events = await EventStream.open((await dashboardUrl())!);
      const hello = await events.find('hello');
      const executor = hello.executors[0]!;
      expect(executor.transport).toBe(transport);
      expect(executor.executorId).toMatch(new RegExp(`^${transport}-\\d+$`));
      expect(executor.settings.maxWorkers).toBe(2);
      for (const name of Object.keys(executor.settings)) expect(name).not.toMatch(/key|secret|token/i);
      expect(hello.workers).toHaveLength(2);
      for (const w of hello.workers) {
        expect(w.state).toBe('alive');
        expect(w.pid).not.toBe(process.pid); // processes, not threads of this one
        expect(w.threadId).toBe(0);
        // an MPI rank says which (its worker id is its rank + 1 when spawned)
        if (transport === 'mpi') expect(w.label).toBe(`rank ${w.workerId - 1}`);
        else expect(w.label).toBeUndefined();
      }
      expect(await Promise.all(Array.from({ length: 10 }, (_, i) => pool.submit(add, i, i)))).toHaveLength(
        10,
      );
      const spans = await events.find('spans', (m) => m.spans.some((s) => s.fn === 'add'));
      expect(hello.workers.map((w) => w.workerId)).toContain(spans.spans[0]!.workerId);
      await events.find('stats', (m) => m.stats.completed === 10);
      await pool.shutdown();
      await events.find('executor-closed');
      await events.close();
    });
  });
}
