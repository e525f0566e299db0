import { describe, expectTypeOf, it } from 'vitest';
import { type Future, PoolExecutor, type PoolExecutorOptions, task } from '../src/index.js';
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

// Options are checked against the transport a literal `transport` names, with no import of
// the transport package (core declares the built-in transports' options).
describe('typed options', () => {
  it('accept each transport its own options and reject the others', () => {
    const factory = { name: 'custom', create: () => ({}) as never };
    const check = () => {
      const ok: PoolExecutorOptions[] = [
        { transport: 'shm', ringBytes: 1 << 20, maxWorkers: 2 },
        { ringBytes: 1 << 20, resourceLimits: { maxOldGenerationSizeMb: 64 } },
        { transport: 'zmq', heartbeatInterval: 500, heartbeatTimeout: 4000, keyFile: 'futures.key' },
        { transport: 'mpi', backoff: 2, heartbeatTimeout: 60_000, mpiMode: 'spawn' },
        { transport: factory, retries: 1 },
        { transport: 'my-gpu', maxInFlight: 4 },
        {},
      ];
      // @ts-expect-error: backoff is an mpi option, not shm's
      new PoolExecutor({ transport: 'shm', backoff: 2 });
      // @ts-expect-error: ringBytes is an shm option, not zmq's
      new PoolExecutor({ transport: 'zmq', ringBytes: 1 << 20 });
      // @ts-expect-error: heartbeatInterval is a zmq option, not mpi's
      new PoolExecutor({ transport: 'mpi', heartbeatInterval: 500 });
      // @ts-expect-error: a factory takes its options itself
      new PoolExecutor({ transport: factory, ringBytes: 1 << 20 });
      // @ts-expect-error: without a transport, the default (shm) options apply
      new PoolExecutor({ backoff: 2 });
      // @ts-expect-error: mpiMode is one of auto, spawn, static
      new PoolExecutor({ transport: 'mpi', mpiMode: 'dynamic' });
      // @ts-expect-error: ringBytes is a number
      new PoolExecutor({ transport: 'shm', ringBytes: '1M' });
      return ok;
    };
    expectTypeOf(check).toBeFunction();
  });
});
