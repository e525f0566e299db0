import { PoolExecutor, TaskLoadError, task } from '@futures/core';
import { afterEach, describe, expect, it } from 'vitest';
import { shm } from '../src/index.js';
import type * as TS from './fixtures/ts-task.js';

const greet = task<typeof TS.greet>(new URL('./fixtures/ts-task.ts', import.meta.url), 'greet');
const pools: PoolExecutor[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown()));
});

describe('TypeScript task modules', () => {
  it('load with no loader flag: tsx is registered in the worker on first use', async () => {
    const pool = new PoolExecutor({ transport: shm(), maxWorkers: 2 });
    pools.push(pool);
    const results = await Promise.all(['ada', 'bob', 'cy', 'di'].map((n) => pool.submit(greet, n)));
    expect(results[0]).toEqual({ text: 'HELLO ADA!', length: 10 });
    expect(results.map((r) => r.text)).toEqual(['HELLO ADA!', 'HELLO BOB!', 'HELLO CY!', 'HELLO DI!']);
  });

  it('a .ts module in a CommonJS package: its named exports load, though Node shows only its default export', async () => {
    const pool = new PoolExecutor({ transport: shm(), maxWorkers: 1 });
    pools.push(pool);
    const CJS_URL = new URL('./fixtures/commonjs/task.ts', import.meta.url);
    const triple = task<(n: number) => { value: number; by: number }>(CJS_URL, 'triple');
    const label = task<(s: string) => string>(CJS_URL, 'label');
    expect(await pool.submit(triple, 14)).toEqual({ value: 42, by: 3 });
    expect(await pool.submit(label, 'x')).toBe('<x>');
    // inherited properties of module.exports are no exports
    const error = await pool.submit(task<() => void>(CJS_URL, 'hasOwnProperty')).catch((e: unknown) => e);
    expect((error as Error).name).toBe(TaskLoadError.name);
  });

  it('with typescript: "always" the loader is there from the start', async () => {
    const pool = new PoolExecutor({ transport: shm({ typescript: 'always' }), maxWorkers: 1 });
    pools.push(pool);
    expect((await pool.submit(greet, 'x', 0)).text).toBe('hello x');
  });

  it('with typescript: "off" a .ts module fails to load with a clear error', async () => {
    const pool = new PoolExecutor({ transport: shm({ typescript: 'off' }), maxWorkers: 1 });
    pools.push(pool);
    const error = await pool.submit(greet, 'x').catch((e: unknown) => e);
    expect((error as Error).name).toBe(TaskLoadError.name);
    expect((error as Error).message).toMatch(/ts-task\.ts/);
  });
});
