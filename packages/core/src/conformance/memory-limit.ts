import { expect } from 'vitest';
import { WorkerLostError } from '../errors.js';
import type { PoolExecutor } from '../executor/pool-executor.js';
import { tasks } from './context.js';

/**
 * A result larger than the worker's memory (give `p` 2 workers with a small heap): V8 cannot
 * recover from running out of heap, so the worker ends. What the executor promises, checked
 * here: that task's future fails with a WorkerLostError whose message matches `lost`, the
 * other futures are unaffected (the ones queued behind it on that worker never started, and
 * run elsewhere), and a replacement worker takes its place (`p` has 2 workers again).
 */
export async function expectHugeResultLosesOnlyItsWorker(p: PoolExecutor, lost: RegExp): Promise<void> {
  await p.bootup();
  const before = Array.from({ length: 50 }, (_, i) => p.submit(tasks.add, i, 1));
  expect(await Promise.all(before)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  const huge = p.submit(tasks.hugeResult, 50_000_000);
  const after = Array.from({ length: 50 }, (_, i) => p.submit(tasks.add, i, 2));
  const error = await huge.then(
    () => expect.fail('the huge result should not have arrived'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkerLostError);
  expect((error as Error).message).toMatch(lost);
  expect(await Promise.all(after)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
  const stats = p.stats();
  expect(stats.failed).toBe(1);
  expect(stats.completed).toBe(100);
  await p.bootup();
  expect(p.numWorkers).toBe(2); // the lost worker was replaced
}
