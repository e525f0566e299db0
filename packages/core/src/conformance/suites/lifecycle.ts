import { expect, it } from 'vitest';
import {
  BrokenExecutorError,
  CancelledError,
  ExecutorShutdownError,
  type PoolInTaskModuleError,
} from '../../errors.js';
import { isWorker } from '../../worker-context.js';
import { type SuiteContext, tasks } from '../context.js';

export function lifecycleSuite(ctx: SuiteContext): void {
  it('starts lazily; bootup() starts the workers and returns the executor', async () => {
    const pool = ctx.make({ maxWorkers: 2 });
    expect(pool.numWorkers).toBe(2);
    expect(pool.stats().workers).toHaveLength(0);
    expect(await pool.bootup()).toBe(pool);
    expect(pool.numWorkers).toBe(2);
    expect(pool.stats().workers).toHaveLength(2);
    expect(await pool.submit(tasks.add, 1, 1)).toBe(2);
    const stats = pool.stats();
    expect(stats.completed).toBe(1);
    expect(stats.workers.reduce((n, w) => n + w.completed, 0)).toBe(1);
    for (const w of stats.workers) expect(w.utilization).toBeGreaterThanOrEqual(0);
    expect(Math.max(...stats.workers.map((w) => w.utilization))).toBeGreaterThan(0);
  });

  it('shutdown() waits for queued and running tasks to finish', async () => {
    const pool = ctx.make({ maxWorkers: 1, maxInFlight: 1 });
    const running = pool.submit(tasks.gate, ctx.gate.path, 's0', 'done');
    const queued = [1, 2, 3].map((i) => pool.submit(tasks.square, i));
    await ctx.gate.arrived('s0');
    let stopped = false;
    const stopping = pool.shutdown().then(() => {
      stopped = true;
    });
    expect(pool.numWorkers).toBe(0);
    await Promise.resolve();
    expect(stopped).toBe(false);
    ctx.gate.release('s0');
    await stopping;
    expect(await running).toBe('done');
    expect(await Promise.all(queued)).toEqual([1, 4, 9]);
  });

  it('shutdown({ cancelFutures }) cancels queued futures; the running one finishes', async () => {
    const pool = ctx.make({ maxWorkers: 1, maxInFlight: 1 });
    const running = pool.submit(tasks.gate, ctx.gate.path, 'c0', 'kept');
    const queued = [1, 2, 3].map((i) => pool.submit(tasks.square, i));
    await ctx.gate.arrived('c0');
    const stopping = pool.shutdown({ wait: false, cancelFutures: true });
    await stopping;
    for (const f of queued) {
      expect(f.cancelled()).toBe(true);
      await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
    }
    ctx.gate.release('c0');
    expect(await running).toBe('kept');
    await pool.shutdown();
  });

  it('shutdown is idempotent; submit, map and bootup after it fail clearly', async () => {
    const pool = ctx.make();
    expect(await pool.submit(tasks.add, 1, 1)).toBe(2);
    await Promise.all([pool.shutdown(), pool.shutdown()]);
    await pool.shutdown();
    expect(pool.numWorkers).toBe(0);
    const late = pool.submit(tasks.add, 1, 1);
    expect(late.done()).toBe(true);
    await expect(late).rejects.toBeInstanceOf(ExecutorShutdownError);
    await expect(pool.bootup()).rejects.toBeInstanceOf(ExecutorShutdownError);
    expect(() => pool.map(tasks.square, [1])).toThrow(ExecutorShutdownError);
  });

  it('shutdown of an executor that never started resolves at once', async () => {
    const pool = ctx.make();
    await pool.shutdown();
    expect(pool.numWorkers).toBe(0);
  });

  it('Symbol.asyncDispose shuts down', async () => {
    const pool = ctx.make();
    expect(await pool.submit(tasks.add, 2, 2)).toBe(4);
    await pool[Symbol.asyncDispose]();
    expect(pool.numWorkers).toBe(0);
    await expect(pool.submit(tasks.add, 1, 1)).rejects.toBeInstanceOf(ExecutorShutdownError);
  });

  it('runs the initializer once in every worker before tasks', async () => {
    const pool = ctx.make({
      maxWorkers: 2,
      maxInFlight: 1,
      initializer: tasks.initialize,
      initargs: ['ready-42'],
    });
    const values = await Promise.all([1, 2, 3, 4, 5, 6].map(() => pool.submit(tasks.readInitialized)));
    expect(values).toEqual(Array(6).fill('ready-42'));
  });

  it('a failing initializer breaks the executor: pending and later submits get BrokenExecutorError', async () => {
    const pool = ctx.make({ initializer: tasks.failInitializer });
    const pending = [pool.submit(tasks.add, 1, 1), pool.submit(tasks.add, 2, 2)];
    for (const f of pending) {
      const error = await f.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokenExecutorError);
      expect((error as BrokenExecutorError).code).toBe('ERR_EXECUTOR_BROKEN');
      expect((error as Error).message).toContain('initializer refused to start');
    }
    expect(pool.numWorkers).toBe(0);
    await expect(pool.submit(tasks.add, 3, 3)).rejects.toBeInstanceOf(BrokenExecutorError);
    await expect(pool.bootup()).rejects.toBeInstanceOf(BrokenExecutorError);
  });

  it('shutdown() while a failing initializer still runs settles, and so does a waiting bootup()', async () => {
    const pool = ctx.make({
      maxWorkers: 1,
      initializer: tasks.failInitializerAtGate,
      initargs: [ctx.gate.path, 'init'],
    });
    const booting = pool.bootup().then(
      () => 'ready',
      (e: Error) => e.name,
    );
    await ctx.gate.arrived('init');
    const stopping = pool.shutdown(); // waits: the worker is still in its initializer
    ctx.gate.release('init');
    await stopping;
    // shut down before any worker was ready: bootup() gives up (whichever came first)
    expect(['ExecutorShutdownError', 'BrokenExecutorError']).toContain(await booting);
    await expect(pool.bootup()).rejects.toThrow();
  });

  it('bootup() racing shutdown() settles', async () => {
    const pool = ctx.make();
    const booting = pool.bootup().then(
      () => 'ready',
      (e: Error) => e.name,
    );
    await pool.shutdown();
    expect(['ready', 'ExecutorShutdownError']).toContain(await booting);
  });

  it('isWorker() is true in the workers and false in the program', async () => {
    const pool = ctx.make({ maxWorkers: 1 });
    expect(await pool.submit(tasks.inWorker)).toBe(true);
    // (a transport whose workers share this thread makes it a worker thread too)
    if (ctx.config.capabilities?.isolated ?? true) expect(isWorker()).toBe(false);
  });

  it('a pool started at the top level of a task module fails the task with PoolInTaskModuleError, not recursion', async () => {
    const pool = ctx.make({ maxWorkers: 1 });
    const error = (await pool
      .submit(tasks.recursiveDouble, 2)
      .catch((e: unknown) => e)) as PoolInTaskModuleError;
    expect(error.name).toBe('PoolInTaskModuleError');
    expect(error.code).toBe('ERR_POOL_IN_TASK_MODULE');
    expect(error.message).toMatch(/recursive-module\.js/);
    expect(error.message).toMatch(/isWorker\(\)/);
    expect(error.message).toMatch(/module of their own/);
    // the worker is fine, and the bad module fails the same way every time
    expect(await pool.submit(tasks.add, 1, 2)).toBe(3);
    await expect(pool.submit(tasks.recursiveDouble, 3)).rejects.toMatchObject({
      name: 'PoolInTaskModuleError',
    });
    expect(pool.stats().workers.length).toBe(1);
  });

  it('rejects bad options with a TypeError/RangeError naming the option', () => {
    expect(() => ctx.make({ maxWorkers: 0 })).toThrow(RangeError);
    expect(() => ctx.make({ maxWorkers: -3 })).toThrow(/maxWorkers/);
    expect(() => ctx.make({ maxWorkers: 'two' as unknown as number })).toThrow(TypeError);
    expect(() => ctx.make({ retries: -1 })).toThrow(/retries/);
    expect(() => ctx.make({ maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => ctx.make({ initializer: 42 as unknown as () => void })).toThrow(/initializer/);
    expect(() => ctx.make({ initargs: 'x' as unknown as unknown[] })).toThrow(/initargs/);
    expect(() => ctx.make({ env: { A: 1 } as unknown as Record<string, string> })).toThrow(/env/);
  });

  it('a task that is not a function fails only its own future', async () => {
    const pool = ctx.make();
    const bad = pool.submit(42 as unknown as () => number);
    await expect(bad).rejects.toBeInstanceOf(TypeError);
    expect(await pool.submit(tasks.add, 5, 5)).toBe(10);
  });
}
