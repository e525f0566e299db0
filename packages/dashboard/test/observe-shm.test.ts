import { type ExecutorObserver, PoolExecutor, task } from '@futures/core';
import { describe, expect, it } from 'vitest';

// Core's event hook (executor.observe) on a real transport: shm worker threads, one of which
// really dies. (Core's own tests run it on core's test transport: core cannot depend on shm.)

const TASKS = new URL('./programs/tasks.mjs', import.meta.url);
const add = task<(a: number, b: number) => number>(TASKS, 'add');
const die = task<() => never>(TASKS, 'die');

describe('executor.observe on shm', () => {
  it('reports worker threads joining and dying, tasks finishing, and the close', async () => {
    const seen: string[] = [];
    const threads = new Set<number>();
    let lostReason = '';
    const observer: ExecutorObserver = {
      workerJoined: (e) => {
        seen.push(`joined ${e.workerId}`);
        threads.add(e.threadId);
        expect(e.pid).toBe(process.pid);
      },
      workerLost: (e) => {
        seen.push(`lost ${e.workerId}`);
        lostReason = e.reason.message;
      },
      taskFinished: (e) => seen.push(`${e.fn} ${e.ok} on ${e.workerId}`),
      closed: (e) => seen.push(`closed ${e.broken === undefined}`),
    };
    const pool = new PoolExecutor({ transport: 'shm', maxWorkers: 2 });
    pool.observe(observer);
    await pool.bootup();
    expect(seen.filter((s) => s.startsWith('joined')).sort()).toEqual(['joined 1', 'joined 2']);
    expect(threads.size).toBe(2);
    expect([...threads].every((t) => t > 0)).toBe(true); // worker threads, not the main thread
    expect(await pool.submit(add, 1, 2)).toBe(3);
    expect(seen.at(-1)).toMatch(/^add true on [12]$/);
    const error = await pool.submit(die).catch((e: unknown) => e);
    expect((error as Error).name).toBe('WorkerLostError');
    const lost = seen.find((s) => s.startsWith('lost'));
    expect(lost).toMatch(/^lost [12]$/);
    expect(lostReason).toMatch(/exit/i);
    expect(seen.some((s) => s.startsWith('die'))).toBe(false); // its result never came
    await pool.bootup(); // the replacement
    expect(seen.filter((s) => s.startsWith('joined'))).toHaveLength(3);
    await pool.shutdown();
    expect(seen.at(-1)).toBe('closed true');
  });
});
