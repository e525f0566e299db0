import { PoolExecutor } from '@futures/core';
import { afterEach, describe, expect, it } from 'vitest';
import { shm, transfer } from '../src/index.js';
import { checksumOf, pattern, tasks, tracked } from './support.js';

const pools: PoolExecutor[] = [];
function make(options: ConstructorParameters<typeof PoolExecutor>[0]): PoolExecutor {
  const pool = new PoolExecutor(options);
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown({ cancelFutures: true })));
});

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

describe('shm transport', () => {
  it('runs many small tasks in order, across batches and both workers', async () => {
    const { factory, transports } = tracked();
    const pool = make({ transport: factory, maxWorkers: 2 });
    const n = 20_000;
    const out: number[] = [];
    const items = Array.from({ length: n }, (_, i) => i);
    for await (const v of pool.map(tasks.echoNumber, items, { chunksize: 1 })) out.push(v);
    expect(out).toEqual(Array.from({ length: n }, (_, i) => i));
    const stats = pool.stats();
    expect(stats.completed).toBe(n);
    expect(stats.workers.every((w) => w.completed > 0)).toBe(true);
    await pool.shutdown();
    expect(transports[0]!.threads).toEqual({ started: 2, exited: 2 });
  });

  it.each([
    ['default options (large results moved)', {}],
    ['a 64 KiB ring, everything streamed through it', { ringBytes: 65536, largeResultBytes: 2 ** 40 }],
  ])('moves 32 MiB both ways at once without deadlock: %s', async (_name, options) => {
    const pool = make({ transport: shm(options), maxWorkers: 2, maxInFlight: 4 });
    const size = 32 << 20;
    const inputs = [pattern(size, 1), pattern(size, 2), pattern(size, 3), pattern(size, 4)];
    // Results stream back while later arguments are still streaming out, on both links.
    const outs = await Promise.all(inputs.map((x) => pool.submit(tasks.echoBytes, x)));
    outs.forEach((out, i) => {
      expect(out).toBeInstanceOf(Uint8Array);
      expect(out.byteLength).toBe(size);
      expect(sameBytes(out, inputs[i]!)).toBe(true);
    });
    // the caller's buffers are untouched (copy semantics)
    expect(inputs[0]!.byteLength).toBe(size);
    const made = await pool.submit(tasks.makePayload, 20 << 20);
    expect(checksumOf(made)).toEqual(checksumOf(pattern(20 << 20)));
  });

  it('a worker that goes from task to task without idling still turns its event loop (timers fire)', async () => {
    const pool = make({ transport: shm(), maxWorkers: 1 });
    await pool.submit(tasks.timerProbe, 0, false); // imported and timed: the stream below runs back to back
    const fired = await Promise.all(
      Array.from({ length: 150 }, (_, i) => pool.submit(tasks.timerProbe, 2, i === 0)),
    );
    // 300 ms of back-to-back tasks: the timer armed by the first fires within the first
    // stretch (the runtime gives the loop a turn at least every 50 ms), not after all of them.
    expect(fired.filter((f) => !f).length).toBeLessThan(75);
    expect(fired.at(-1)).toBe(true);
  });

  it('a task may start a pool of its own (nested parallelism stays allowed)', async () => {
    const pool = make({ transport: shm(), maxWorkers: 1 });
    expect(await pool.submit(tasks.nestedSquares, 4)).toEqual([0, 1, 4, 9]);
  });

  it('streams a head larger than the ring (a long string) in both directions', async () => {
    const pool = make({ transport: shm({ ringBytes: 4096 }), maxWorkers: 1 });
    const text = 'futures-'.repeat(400_000); // 3.2 MB inline in the frame head
    expect(await pool.submit(tasks.echo, text)).toBe(text);
  });

  it('delivers fresh, whole, unshared, aligned buffers', async () => {
    const pool = make({ transport: shm(), maxWorkers: 1 });
    const backing = new ArrayBuffer(8 * 5000);
    const view = new Float64Array(backing, 8, 3000); // a view into the middle of a buffer
    view.fill(2.5);
    expect(await pool.submit(tasks.describeBytes, view)).toEqual({
      ctor: 'Float64Array',
      shared: false,
      whole: true,
      length: 3000,
    });
    const back = await pool.submit(tasks.echoFloats, view);
    expect(back).toBeInstanceOf(Float64Array);
    expect(back.buffer).not.toBe(backing);
    expect(back.byteOffset % 8).toBe(0);
    expect(Array.from(back.subarray(0, 3))).toEqual([2.5, 2.5, 2.5]);
  });

  it('transfer() moves a buffer instead of copying it, both ways', async () => {
    const pool = make({ transport: shm(), maxWorkers: 1 });
    await pool.bootup();
    const bytes = pattern(1 << 20);
    const expected = checksumOf(bytes);
    const f = pool.submit(tasks.echoTransfer, transfer(bytes));
    const back = await f;
    expect(bytes.byteLength).toBe(0); // detached: it was moved to the worker
    expect(checksumOf(back)).toEqual(expected);
    // a view over part of a buffer is not moved (it would detach its neighbours): copied
    const big = pattern(1 << 16);
    const part = big.subarray(1024, 1024 + 4096);
    expect(checksumOf(await pool.submit(tasks.echoBytes, transfer(part)))).toEqual(checksumOf(part));
    expect(big.byteLength).toBe(1 << 16);
    expect(() => transfer(42 as unknown as ArrayBuffer)).toThrow(TypeError);
  });

  it('never blocks the controller event loop, even while streaming through a tiny ring', async () => {
    const pool = make({ transport: shm({ ringBytes: 65536, largeResultBytes: 2 ** 40 }), maxWorkers: 1 });
    await pool.bootup();
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const size = 16 << 20;
    const out = await pool.submit(tasks.echoBytes, pattern(size));
    ticking = false;
    expect(out.byteLength).toBe(size);
    // 32 MiB through a 64 KiB ring is 500+ ring fills: the loop turned in between them
    expect(turns).toBeGreaterThan(20);
  });

  it('runs async tasks while more frames arrive, and sync ones after them', async () => {
    const pool = make({ transport: shm(), maxWorkers: 1 });
    const slow = pool.submit(tasks.sleepAsync, 30, 'slow');
    const quick = Array.from({ length: 50 }, (_, i) => pool.submit(tasks.add, i, 1));
    expect(await slow).toBe('slow');
    expect(await Promise.all(quick)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const again = await Promise.all([pool.submit(tasks.sleepAsync, 5, 'a'), pool.submit(tasks.noop)]);
    expect(again).toEqual(['a', 0]);
  });

  it('passes env to the workers, merged over the process environment', async () => {
    process.env.FUTURES_SHM_TEST_INHERITED = 'from-parent';
    const pool = make({ transport: shm(), maxWorkers: 1, env: { FUTURES_SHM_TEST_EXTRA: 'extra' } });
    const readEnv = (name: string) => process.env[name];
    expect(await pool.submit(readEnv, 'FUTURES_SHM_TEST_EXTRA')).toBe('extra');
    expect(await pool.submit(readEnv, 'FUTURES_SHM_TEST_INHERITED')).toBe('from-parent');
  });

  it('passes execArgv to the worker threads; a flag threads reject fails the start clearly', async () => {
    const pool = make({ transport: shm(), maxWorkers: 1, execArgv: ['--no-warnings'] });
    const flags = () => process.execArgv.join(' ');
    expect(await pool.submit(flags)).toContain('--no-warnings');
    const bad = make({ transport: shm(), maxWorkers: 1, execArgv: ['--title=nope'] });
    const error = await bad.submit(tasks.noop).catch((e: unknown) => e);
    expect((error as Error).name).toBe('BrokenExecutorError');
    expect(String((error as Error).message)).toMatch(/execArgv|could not start/i);
  });
});
