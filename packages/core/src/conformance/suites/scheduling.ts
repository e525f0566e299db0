import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CancelledError, TimeoutError, WorkerLostError } from '../../errors.js';
import type { PoolExecutor } from '../../executor/pool-executor.js';
import type { Future } from '../../future.js';
import { type SuiteContext, tasks } from '../context.js';
import type { ChoreMode } from '../tasks.js';

/**
 * Placement, depth, stealing and honest states. Every test counts what ran through
 * `chore`, which creates one file per run and refuses a second run of the same name, so
 * nothing here depends on timing: a task that ran twice, or ran though it was cancelled,
 * shows up as a file or an EEXIST failure.
 */
export function schedulingSuite(ctx: SuiteContext): void {
  const isolated = ctx.config.capabilities?.isolated ?? true;
  const replaceWorkers = ctx.config.capabilities?.replaceWorkers ?? true;
  const dirs: string[] = [];
  const scratch = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-sched-'));
    dirs.push(dir);
    return dir;
  };
  const ran = (dir: string): string[] => fs.readdirSync(dir);
  const hold = (): ChoreMode => ({ kind: 'hold', gate: ctx.gate.path });
  /**
   * Runs a few chores of 20 ms so the pool knows the function's duration: it then commits
   * one task behind each busy worker (as for any task of milliseconds), which the tests
   * below must take into account.
   */
  const warm = async (pool: PoolExecutor): Promise<void> => {
    // Every worker first: on a loaded machine one may join late, and the warm-up chores
    // would all run on the other (the tests below count on both being there).
    await pool.bootup();
    const dir = scratch();
    const mode: ChoreMode = { kind: 'pass', spinMs: 20 };
    await Promise.all(Array.from({ length: 6 }, (_, i) => pool.submit(tasks.chore, dir, `warm${i}`, mode)));
  };
  /** Counts each future's settlements (each must settle exactly once). */
  const settledOnce = (futures: Future<unknown>[]): (() => number[]) => {
    const counts = futures.map(() => 0);
    futures.forEach((f, i) => {
      f.addDoneCallback(() => {
        counts[i]!++;
      });
    });
    return () => counts;
  };

  it('a task queued behind busy workers is PENDING: cancel() succeeds and it never runs', async () => {
    const pool = ctx.make({ maxWorkers: 2 });
    const dir = scratch();
    const a = pool.submit(tasks.chore, dir, 'a', hold());
    const b = pool.submit(tasks.chore, dir, 'b', hold());
    await ctx.gate.arrived('a');
    await ctx.gate.arrived('b');
    const x = pool.submit(tasks.chore, dir, 'x');
    await new Promise((resolve) => setImmediate(resolve)); // placement has run
    expect(x.running()).toBe(false);
    expect(a.running() && b.running()).toBe(true);
    expect(x.cancel()).toBe(true);
    await expect(x).rejects.toBeInstanceOf(CancelledError);
    ctx.gate.openAll();
    await Promise.all([a, b]);
    await pool.shutdown();
    expect(ran(dir).sort()).toEqual(['a', 'b']);
  });

  it('shutdown({ cancelFutures: true }) after a burst of 200 runs at most 2 × workers + 2', async () => {
    const pool = ctx.make({ maxWorkers: 2 });
    await warm(pool);
    const dir = scratch();
    const fs200 = Array.from({ length: 200 }, (_, i) => pool.submit(tasks.chore, dir, `b${i}`, hold()));
    await ctx.gate.arrived('b0');
    await ctx.gate.arrived('b1');
    const stopped = pool.shutdown({ cancelFutures: true });
    ctx.gate.openAll();
    await stopped;
    const runs = ran(dir).length;
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(2 * 2 + 2);
    expect(fs200.filter((f) => f.cancelled())).toHaveLength(200 - runs);
  });

  it('leaving a map loop after 3 of 40 results runs at most 10', async () => {
    const pool = ctx.make({ maxWorkers: 2 });
    await warm(pool);
    const dir = scratch();
    const items = Array.from({ length: 40 }, (_, i) => [dir, `m${i}`, hold()] as [string, string, ChoreMode]);
    const releaser = (async () => {
      for (const name of ['m0', 'm1', 'm2']) {
        await ctx.gate.arrived(name);
        ctx.gate.release(name);
      }
    })();
    let got = 0;
    for await (const _ of pool.starmap(tasks.chore, items)) if (++got === 3) break;
    await releaser;
    ctx.gate.openAll();
    await pool.shutdown();
    expect(ran(dir).length).toBeLessThanOrEqual(10);
  });

  it('an ordered map past its timeout yields the first wave (one task per worker), then TimeoutError', async () => {
    const pool = ctx.make({ maxWorkers: 2 });
    await pool.bootup();
    const dir = scratch();
    const items = [0, 1, 2, 3].map((i) => [dir, `w${i}`, hold()] as [string, string, ChoreMode]);
    // w0 and w1 are let go only once both run: on one worker, w1 could not start before w0 ended
    void (async () => {
      await ctx.gate.arrived('w0');
      await ctx.gate.arrived('w1');
      ctx.gate.release('w0');
      ctx.gate.release('w1');
    })();
    const got: string[] = [];
    const consume = async (): Promise<void> => {
      for await (const who of pool.starmap(tasks.chore, items, { timeout: 4000 })) got.push(who);
    };
    await expect(consume()).rejects.toBeInstanceOf(TimeoutError);
    expect(got).toHaveLength(2);
    expect(new Set(got).size).toBe(2);
  });

  it('a long task does not hold short ones hostage: they all run on the other worker', async () => {
    const pool = ctx.make({ maxWorkers: 2 });
    await warm(pool);
    const dir = scratch();
    const long = pool.submit(tasks.chore, dir, 'long', hold());
    const shorts = Array.from({ length: 20 }, (_, i) => pool.submit(tasks.chore, dir, `s${i}`));
    await ctx.gate.arrived('long');
    const who = await Promise.all(shorts); // the long one is still held: these cannot wait behind it
    ctx.gate.release('long');
    const longWho = await long;
    for (const w of who) expect(w).not.toBe(longWho);
    expect(pool.stats().stolen).toBeGreaterThan(0); // some were placed behind it, then taken back
  });

  it('revokes racing completions settle every future exactly once and run every task once', async () => {
    const pool = ctx.make({ maxWorkers: 2 });
    const dir = scratch();
    const all: Future<string>[] = [];
    for (let wave = 0; wave < 8; wave++) {
      // a held task keeps one worker busy while the other drains, runs dry and steals from it;
      // uneven spins make the other steals race the victim finishing the very tasks asked for
      const held = pool.submit(tasks.chore, dir, `h${wave}`, hold());
      const quick = Array.from({ length: 30 }, (_, i) =>
        pool.submit(tasks.chore, dir, `q${wave}-${i}`, { kind: 'pass', spinMs: i % 7 === 0 ? 4 : 0.3 }),
      );
      all.push(held, ...quick);
      const counts = settledOnce(quick);
      await ctx.gate.arrived(`h${wave}`);
      await Promise.all(quick);
      ctx.gate.release(`h${wave}`);
      await held;
      expect(counts().every((n) => n === 1)).toBe(true);
    }
    const counts = settledOnce(all);
    expect(counts().every((n) => n === 1)).toBe(true);
    expect(ran(dir)).toHaveLength(8 * 31);
    const s = pool.stats();
    expect(s.completed).toBe(8 * 31);
    expect(s.failed).toBe(0);
  });

  if (isolated && replaceWorkers) {
    it('a worker lost with a revoke unanswered: its running task fails, the ones behind it run once elsewhere', async () => {
      const pool = ctx.make({ maxWorkers: 2, retries: 0 });
      await warm(pool);
      const dir = scratch();
      const releaseFile = path.join(scratch(), 'release');
      const mode: ChoreMode = { kind: 'spin-then-exit', gate: ctx.gate.path, releaseFile };
      const doomed = pool.submit(tasks.chore, dir, 'doomed', mode);
      const rest = Array.from({ length: 12 }, (_, i) => pool.submit(tasks.chore, dir, `r${i}`));
      const counts = settledOnce(rest);
      await ctx.gate.arrived('doomed');
      // the other worker runs dry and asks the spinning one for its queue: it cannot answer
      while (pool.stats().revokes === 0) await new Promise((resolve) => setImmediate(resolve));
      fs.writeFileSync(releaseFile, '');
      await expect(doomed).rejects.toBeInstanceOf(WorkerLostError);
      const who = await Promise.all(rest);
      expect(who).toHaveLength(12);
      expect(counts().every((n) => n === 1)).toBe(true);
      expect(ran(dir).sort()).toEqual(['doomed', ...rest.map((_, i) => `r${i}`)].sort());
      expect(pool.stats().retried).toBe(0);
    });
  }

  afterAll(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
}
