import { describe, expectTypeOf, it } from 'vitest';
import { type Future, PoolExecutor, task } from '../src/index.js';
import type { fib, greet } from './support/typed-tasks.js';

const tasksUrl = new URL('./support/typed-tasks.js', import.meta.url);

// Type-level checks: compiled by `pnpm typecheck` (tsc --noEmit over test/); the runtime
// part only makes vitest count them. A wrong argument type must be a compile error.
describe('typed tasks', () => {
  it('submit and map infer argument and result types from a TaskRef or a function', () => {
    const pool = new PoolExecutor({ maxWorkers: 1 });
    const fibRef = task<typeof fib>(tasksUrl, 'fib');
    const greetRef = task<typeof greet>(tasksUrl, 'greet');
    const check = () => {
      expectTypeOf(pool.submit(fibRef, 30)).toEqualTypeOf<Future<number>>();
      expectTypeOf(pool.submit(greetRef, 'a', 2)).toEqualTypeOf<Future<string>>();
      expectTypeOf(pool.submit((x: number) => [x], 1)).toEqualTypeOf<Future<number[]>>();
      expectTypeOf(pool.map(fibRef, [1, 2, 3])).toEqualTypeOf<AsyncIterableIterator<number>>();
      expectTypeOf(pool.starmap(greetRef, [['a', 1]])).toEqualTypeOf<AsyncIterableIterator<string>>();
      // @ts-expect-error: fib takes a number
      pool.submit(fibRef, 'thirty');
      // @ts-expect-error: greet needs two arguments
      pool.submit(greetRef, 'a');
      // @ts-expect-error: map items must be fib's argument type
      pool.map(fibRef, ['x']);
    };
    expectTypeOf(check).toBeFunction();
  });
});
