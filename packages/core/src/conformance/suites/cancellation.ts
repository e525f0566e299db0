import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { AbortError, CancelledError, TimeoutError } from '../../errors.js';
import { withOptions } from '../../task.js';
import { type SuiteContext, tasks } from '../context.js';

export function cancellationSuite(ctx: SuiteContext): void {
  const isolated = ctx.config.capabilities?.isolated ?? true;
  const replaceWorkers = ctx.config.capabilities?.replaceWorkers ?? true;
  const releaseFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'futures-spin-')), 'release');

  it('aborting a queued task cancels it; an already-aborted signal cancels at submit', async () => {
    const pool = ctx.make({ maxWorkers: 1, maxInFlight: 1 });
    const held = pool.submit(tasks.gate, ctx.gate.path, 'q0', 0);
    const ac = new AbortController();
    const queued = pool.submit(withOptions(tasks.add, { signal: ac.signal }), 1, 2);
    await ctx.gate.arrived('q0');
    ac.abort('no longer needed');
    expect(queued.cancelled()).toBe(true);
    await expect(queued).rejects.toBeInstanceOf(CancelledError);
    ctx.gate.release('q0');
    expect(await held).toBe(0);
    const pre = new AbortController();
    pre.abort();
    expect(pool.submit(withOptions(tasks.add, { signal: pre.signal }), 1, 1).cancelled()).toBe(true);
    expect(() => withOptions(tasks.add, { timeout: -5 })).toThrow(RangeError);
  });

  it('aborting a running task delivers the abort to it; it stops and the worker takes the next task', async () => {
    const pool = ctx.make({ maxWorkers: 1 });
    const ac = new AbortController();
    const f = pool.submit(withOptions(tasks.waitForAbort, { signal: ac.signal }), ctx.gate.path, 'co');
    await ctx.gate.arrived('co');
    const workerBefore = pool.stats().workers[0]!.workerId;
    expect(f.cancel()).toBe(false);
    ac.abort('user pressed stop');
    const error = await f.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe('user pressed stop');
    await ctx.gate.arrived('co:observed');
    expect(await pool.submit(tasks.add, 2, 3)).toBe(5);
    expect(pool.stats().workers.map((w) => w.workerId)).toEqual([workerBefore]);
  });

  it('a deadline counts from when the task starts; past it the task is aborted with TimeoutError', async () => {
    const pool = ctx.make({ maxWorkers: 1 });
    const held = pool.submit(tasks.gate, ctx.gate.path, 'd0', 'first');
    // Generous figures so a loaded machine cannot start the task late enough to miss its deadline.
    const timed = pool.submit(withOptions(tasks.waitForAbort, { timeout: 400 }), ctx.gate.path, 'd1');
    await ctx.gate.arrived('d0');
    // Hold the worker well past the deadline: counted from submission, it would expire in the queue.
    await expect(held.result(1200)).rejects.toBeInstanceOf(TimeoutError);
    expect(timed.done()).toBe(false);
    ctx.gate.release('d0');
    expect(await held).toBe('first');
    const error = await timed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(ctx.gate.hasArrived('d1')).toBe(true); // it started before its deadline ran out
    await ctx.gate.arrived('d1:observed');
  });

  it("a map's signal aborts its running tasks and cancels the queued ones; taskTimeout applies per task", async () => {
    const pool = ctx.make({ maxWorkers: 1, maxInFlight: 1 });
    const ac = new AbortController();
    const results = pool.starmap(
      tasks.waitForAbort,
      [
        [ctx.gate.path, 'm0'],
        [ctx.gate.path, 'm1'],
      ],
      { signal: ac.signal },
    );
    await ctx.gate.arrived('m0');
    ac.abort('enough');
    await expect(results.next()).rejects.toBeInstanceOf(AbortError);
    expect(pool.stats().cancelled).toBe(1);
    const timed = pool.starmap(tasks.waitForAbort, [[ctx.gate.path, 'm2']], { taskTimeout: 30 });
    await expect(timed.next()).rejects.toBeInstanceOf(TimeoutError);
  });

  if (!isolated) return; // the tasks below spin on the worker's thread: they need real workers

  it('without escalation, an ignored abort fails the future at once and the late result is discarded', async () => {
    const pool = ctx.make({ maxWorkers: 1 });
    const release = releaseFile();
    const ac = new AbortController();
    const f = pool.submit(
      withOptions(tasks.spinUntilFile, { signal: ac.signal }),
      ctx.gate.path,
      'spin0',
      release,
    );
    await ctx.gate.arrived('spin0');
    const worker = pool.stats().workers[0]!.workerId;
    ac.abort('stop spinning');
    await expect(f).rejects.toBeInstanceOf(AbortError);
    fs.writeFileSync(release, '');
    expect(await pool.submit(tasks.add, 1, 1)).toBe(2); // after the spinning task ended, on the same worker
    expect(pool.stats().workers.map((w) => w.workerId)).toEqual([worker]);
    await expect(f).rejects.toBeInstanceOf(AbortError);
    fs.rmSync(path.dirname(release), { recursive: true, force: true });
  });

  if (!replaceWorkers) return;

  it('with escalation, a task that ignores its abort has its worker replaced; the pool keeps serving', async () => {
    const pool = ctx.make({ maxWorkers: 1, abortGraceMs: 50 });
    const release = releaseFile();
    try {
      const ac = new AbortController();
      const f = pool.submit(
        withOptions(tasks.spinUntilFile, { signal: ac.signal }),
        ctx.gate.path,
        'spin1',
        release,
      );
      const behind = pool.submit(tasks.add, 20, 22);
      await ctx.gate.arrived('spin1');
      const worker = pool.stats().workers[0]!.workerId;
      ac.abort('stop spinning');
      await expect(f).rejects.toBeInstanceOf(AbortError);
      expect(await behind).toBe(42); // queued behind it on the same worker: rerun on the fresh one
      expect(await pool.submit(tasks.add, 1, 1)).toBe(2);
      const workers = pool.stats().workers.map((w) => w.workerId);
      expect(workers).toHaveLength(1);
      expect(workers).not.toContain(worker);
    } finally {
      fs.writeFileSync(release, '');
      await pool.shutdown();
      fs.rmSync(path.dirname(release), { recursive: true, force: true });
    }
  });
}
