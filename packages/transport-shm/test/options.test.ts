import { PoolExecutor } from '@futures/core';
import { describe, expect, it } from 'vitest';
import { futuresTransport, SHM_OPTION_SPECS, shm } from '../src/index.js';
import { resolveShmOptions } from '../src/options.js';
import { tracked } from './support.js';

describe('shm options', () => {
  it('has documented defaults', () => {
    expect(resolveShmOptions({})).toEqual({
      ringBytes: 1 << 20,
      largeResultBytes: 256 * 1024,
      resourceLimits: undefined,
      stopTimeout: 10_000,
      typescript: 'auto',
    });
    expect(resolveShmOptions({ ringBytes: 5000 }).ringBytes).toBe(8192); // rounded up to a power of two
  });

  it('rejects invalid options with a TypeError/RangeError naming the option', () => {
    expect(() => shm({ ringBytes: 100 })).toThrow(RangeError);
    expect(() => shm({ ringBytes: 100 })).toThrow(/ringBytes/);
    expect(() => shm({ ringBytes: 'big' as unknown as number })).toThrow(TypeError);
    expect(() => shm({ stopTimeout: -1 })).toThrow(/stopTimeout/);
    expect(() => shm({ largeResultBytes: 0 })).toThrow(/largeResultBytes/);
    expect(() => shm({ typescript: 'maybe' as 'auto' })).toThrow(/typescript/);
    expect(() => shm({ resourceLimits: { maxOldGenerationSizeMb: -4 } })).toThrow(/resourceLimits/);
    expect(() => shm({ resourceLimits: { heapMb: 4 } as never })).toThrow(/heapMb/);
    expect(() => shm({ nope: 1 } as never)).toThrow(/unknown option "nope"/);
  });

  it('is what core loads by name, with options from the environment', async () => {
    expect(futuresTransport.name).toBe('shm');
    expect(Object.keys(futuresTransport.optionSpecs)).toEqual(Object.keys(SHM_OPTION_SPECS));
    process.env.FUTURES_SHM_RING_BYTES = '8192';
    try {
      const pool = new PoolExecutor({ transport: 'shm', maxWorkers: 1 });
      expect(await pool.submit((a: number) => a * 2, 21)).toBe(42);
      expect(pool.transportName).toBe('shm');
      await pool.shutdown();
      process.env.FUTURES_SHM_RING_BYTES = 'lots';
      const bad = new PoolExecutor({ transport: 'shm', maxWorkers: 1 });
      await expect(bad.bootup()).rejects.toThrow(/FUTURES_SHM_RING_BYTES/);
      await bad.shutdown();
    } finally {
      delete process.env.FUTURES_SHM_RING_BYTES;
    }
  });

  it('still reads the old FUTURES_RING_BYTES, with a deprecation warning naming the new name', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    process.env.FUTURES_RING_BYTES = 'lots';
    try {
      const bad = new PoolExecutor({ transport: 'shm', maxWorkers: 1 });
      await expect(bad.bootup()).rejects.toThrow(/environment variable FUTURES_RING_BYTES/);
      await bad.shutdown();
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      const w = warnings.find((x) => (x as { code?: string }).code === 'FUTURES_DEP_ENV');
      expect(w?.name).toBe('DeprecationWarning');
      expect(w?.message).toMatch(/FUTURES_RING_BYTES is deprecated; rename it to FUTURES_SHM_RING_BYTES/);
    } finally {
      delete process.env.FUTURES_RING_BYTES;
      process.off('warning', onWarning);
    }
  });

  it('a stuck worker is terminated after stopTimeout at shutdown', async () => {
    const { factory, transports } = tracked({ stopTimeout: 200 });
    const pool = new PoolExecutor({ transport: factory, maxWorkers: 1 });
    await pool.bootup();
    // a timer-driven task that never settles: shutdown waits for it, so force the stop path
    const spin = (): Promise<never> => new Promise(() => setInterval(() => {}, 1000));
    void pool.submit(spin).catch(() => {});
    await pool.shutdown({ wait: false });
    // the executor keeps waiting for the task; the transport's own stop is forced by the test
    await transports[0]!.stop({ force: false });
    expect(transports[0]!.threads).toEqual({ started: 1, exited: 1 });
  });
});
