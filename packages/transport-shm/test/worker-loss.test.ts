import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PoolExecutor, WorkerLostError } from '@futures/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShmTransport } from '../src/transport.js';
import { tasks, tracked } from './support.js';

const pools: PoolExecutor[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown({ cancelFutures: true })));
});

function pool(options: ConstructorParameters<typeof PoolExecutor>[0] & { shmLimits?: boolean } = {}) {
  const { shmLimits, ...rest } = options;
  const t = tracked(
    shmLimits ? { resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 } } : {},
  );
  const p = new PoolExecutor({ maxWorkers: 2, ...rest, transport: t.factory });
  pools.push(p);
  return { pool: p, transport: () => t.transports[0] as ShmTransport };
}

/** Every future settles, the pool then serves again at full size, and shutdown leaves no thread. */
async function expectRecovers(p: PoolExecutor, transport: () => ShmTransport): Promise<void> {
  const after = await Promise.all(Array.from({ length: 20 }, (_, i) => p.submit(tasks.add, i, i)));
  expect(after).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
  await p.bootup();
  expect(p.numWorkers).toBe(2);
  await p.shutdown();
  const { started, exited } = transport().threads;
  expect(started).toBeGreaterThanOrEqual(3); // the two first ones and at least one replacement
  expect(exited).toBe(started); // every thread it started has ended
}

describe('worker loss', () => {
  it('a task that calls process.exit: its future and those queued with it fail with WorkerLostError', async () => {
    const { pool: p, transport } = pool({ maxWorkers: 2 });
    await p.bootup();
    const doomed = p.submit(tasks.exitProcess, 7);
    const others = Array.from({ length: 10 }, (_, i) => p.submit(tasks.add, i, 1));
    const settled = await Promise.allSettled([doomed, ...others]);
    const lost = settled[0]!;
    expect(lost.status).toBe('rejected');
    const error = (lost as PromiseRejectedResult).reason as WorkerLostError;
    expect(error).toBeInstanceOf(WorkerLostError);
    expect(error.message).toMatch(/exited with code 7/);
    for (const [i, s] of settled.slice(1).entries()) {
      // tasks that were on the lost worker fail too; the others complete
      if (s.status === 'fulfilled') expect(s.value).toBe(i + 1);
      else expect(s.reason).toBeInstanceOf(WorkerLostError);
    }
    await expectRecovers(p, transport);
  });

  it('an uncaught error thrown later from a timer ends the worker: the future fails with its message', async () => {
    const { pool: p, transport } = pool();
    const error = await p.submit(tasks.throwLater, 'boom from a timer').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerLostError);
    expect((error as Error).message).toContain('boom from a timer');
    await expectRecovers(p, transport);
  });

  it('a task that exceeds resourceLimits ends its worker with an out-of-memory reason', async () => {
    const { pool: p, transport } = pool({ shmLimits: true });
    const error = await p.submit(tasks.exhaustMemory).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerLostError);
    expect((error as Error).message).toMatch(/memory/i);
    await expectRecovers(p, transport);
  });

  it('with retries: 1 the task is resubmitted to a fresh worker and succeeds', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shm-retry-'));
    try {
      const { pool: p, transport } = pool({ maxWorkers: 2, retries: 1 });
      const value = await p.submit(tasks.exitOnceThen, path.join(dir, 'marker'), 'second time lucky');
      expect(value).toBe('second time lucky');
      expect(p.stats().retried).toBe(1);
      await expectRecovers(p, transport);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a worker that cannot start breaks the executor instead of respawning forever', async () => {
    const { pool: p, transport } = pool({
      maxWorkers: 1,
      execArgv: ['--max-old-space-size=1', '--stack-size=1'],
    });
    const error = await p.submit(tasks.noop).catch((e: unknown) => e);
    expect((error as Error).name).toBe('BrokenExecutorError');
    await p.shutdown();
    expect(transport().threads.exited).toBe(transport().threads.started);
  });
});
