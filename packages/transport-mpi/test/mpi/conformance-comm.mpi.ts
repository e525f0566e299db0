// Inner suite (run by rank0-vitest.mjs under mpiexec): comm executors. Every rank joined one
// communicator collectively; rank 0 makes each test's executors on it, the others serve.
import type { PoolExecutor } from '@futures/core';
import { runConformanceSuite } from '@futures/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommPool, commExecutor, commPool } from '../../src/index.js';

let pool: CommPool | null = null;

beforeAll(async () => {
  pool = await commPool({ root: 0 });
});

afterAll(async () => {
  await pool?.close();
});

runConformanceSuite({
  name: 'mpi comm',
  createExecutor: (options): PoolExecutor => pool!.createExecutor(options),
  capabilities: { replaceWorkers: false },
});

describe('comm executor at the root', () => {
  it('is a root-only executor; a bad root is a RangeError', async () => {
    expect(pool).not.toBeNull();
    await expect(commExecutor({ root: 99 })).rejects.toThrow(RangeError);
    await expect(commExecutor({ root: -1 })).rejects.toThrow(RangeError);
  });
});
