import { expect, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../errors.js';
import type { Future } from '../../future.js';
import { ALL_COMPLETED, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION, wait } from '../../waiting.js';
import { type SuiteContext, tasks } from '../context.js';

export function waitingSuite(ctx: SuiteContext): void {
  // Tests that hold a task at the gate while others must run use maxInFlight: 1, so the
  // held task cannot have other tasks queued behind it on its worker.
  const held = <T>(pool: ReturnType<SuiteContext['make']>, name: string, value: T): Future<T> =>
    pool.submit(tasks.gate, ctx.gate.path, name, value) as Future<T>;

  it('cancels a queued future but not a running one', async () => {
    const pool = ctx.make({ maxWorkers: 1, maxInFlight: 1 });
    const running = held(pool, 'a', 'A');
    const queued = pool.submit(tasks.add, 1, 1);
    await ctx.gate.arrived('a');
    expect(running.running()).toBe(true);
    expect(running.cancel()).toBe(false);
    expect(queued.state).toBe('PENDING');
    expect(queued.cancel()).toBe(true);
    expect(queued.cancelled()).toBe(true);
    expect(queued.done()).toBe(true);
    ctx.gate.release('a');
    expect(await running).toBe('A');
    await expect(queued.result()).rejects.toBeInstanceOf(CancelledError);
    await expect(queued.exception()).rejects.toBeInstanceOf(CancelledError);
    expect(pool.stats().cancelled).toBe(1);
  });

  it('result(timeout) and exception(timeout) reject with TimeoutError and leave the future running', async () => {
    const pool = ctx.make({ maxWorkers: 1 });
    const f = held(pool, 'slow', 42);
    await ctx.gate.arrived('slow');
    await expect(f.result(20)).rejects.toBeInstanceOf(TimeoutError);
    await expect(f.exception(20)).rejects.toBeInstanceOf(TimeoutError);
    expect(f.done()).toBe(false);
    ctx.gate.release('slow');
    expect(await f.result(60_000)).toBe(42);
    expect(await f.exception()).toBeUndefined();
    const failed = pool.submit(tasks.failAsync, 'x');
    expect(await failed.exception()).toBeInstanceOf(RangeError);
  });

  it('addDoneCallback runs on completion, and at once when already done', async () => {
    const pool = ctx.make();
    const f = pool.submit(tasks.add, 1, 2);
    const seen: string[] = [];
    f.addDoneCallback((x) => seen.push(`first:${x.done()}`));
    await f;
    f.addDoneCallback(() => seen.push('late'));
    expect(seen).toEqual(['first:true', 'late']);
  });

  it('wait(FIRST_COMPLETED) returns when one is done', async () => {
    const pool = ctx.make({ maxInFlight: 1 });
    const slow = held(pool, 'w1', 1);
    const fast = pool.submit(tasks.add, 1, 1);
    const { done, notDone } = await wait([slow, fast], { returnWhen: FIRST_COMPLETED });
    expect(done.has(fast)).toBe(true);
    expect(notDone.has(slow)).toBe(true);
    ctx.gate.release('w1');
  });

  it('wait(FIRST_EXCEPTION) returns at the first error, or when all are done', async () => {
    const pool = ctx.make({ maxInFlight: 1 });
    const slow = held(pool, 'w2', 1);
    const bad = pool.submit(tasks.failAsync, 'first error');
    const r1 = await wait([slow, bad], { returnWhen: FIRST_EXCEPTION });
    expect(r1.done.has(bad)).toBe(true);
    expect(r1.notDone.has(slow)).toBe(true);
    ctx.gate.release('w2');
    const ok = [pool.submit(tasks.add, 1, 2), pool.submit(tasks.add, 3, 4)];
    const r2 = await wait(ok, { returnWhen: FIRST_EXCEPTION });
    expect(r2.done.size).toBe(2);
  });

  it('wait(ALL_COMPLETED) waits for all; with a timeout it returns what is done', async () => {
    const pool = ctx.make({ maxInFlight: 1 });
    const fs = [1, 2, 3].map((i) => pool.submit(tasks.square, i));
    const all = await wait(fs, { returnWhen: ALL_COMPLETED });
    expect(all.done.size).toBe(3);
    expect(all.notDone.size).toBe(0);
    const slow = held(pool, 'w3', 3);
    const quick = pool.submit(tasks.square, 4);
    await quick;
    const partial = await wait([slow, quick], { timeout: 30 });
    expect(partial.done.has(quick)).toBe(true);
    expect(partial.notDone.has(slow)).toBe(true);
    ctx.gate.release('w3');
    await slow;
  });

  it('asCompleted yields each future once (duplicates folded), done ones first, in completion order', async () => {
    const pool = ctx.make({ maxWorkers: 2, maxInFlight: 1 });
    const done = pool.submit(tasks.add, 0, 0);
    await done;
    const first = held(pool, 'c1', 'one');
    const second = held(pool, 'c2', 'two');
    await ctx.gate.arrived('c1');
    await ctx.gate.arrived('c2');
    const order: unknown[] = [];
    const it = asCompleted([first, second, done, first, done]);
    const nextValue = async () => {
      const r = await it.next();
      return r.done ? 'END' : await r.value;
    };
    order.push(await nextValue());
    ctx.gate.release('c2');
    order.push(await nextValue());
    ctx.gate.release('c1');
    order.push(await nextValue());
    order.push(await nextValue());
    expect(order).toEqual([0, 'two', 'one', 'END']);
  });

  it('asCompleted throws TimeoutError at the deadline', async () => {
    const pool = ctx.make({ maxInFlight: 1 });
    await pool.bootup(); // the 50 ms deadline is for the tasks, not for starting workers (MPI spawn takes seconds)
    const stuck = held(pool, 'c3', 1);
    const quick = pool.submit(tasks.add, 1, 1);
    await quick; // done before the clock starts: a loaded machine must not make it miss 50 ms
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const f of asCompleted([stuck, quick], { timeout: 50 })) seen.push(await f);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(seen).toEqual([2]);
    ctx.gate.release('c3');
  });
}
