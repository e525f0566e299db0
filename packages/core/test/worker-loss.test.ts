import { describe, expect, it } from 'vitest';
import { Gate, tasks } from '../src/conformance/index.js';
import { PoolExecutor, WorkerLostError } from '../src/index.js';
import { inline } from './support/inline-transport.js';

// Core's reaction to a lost worker (each transport tests real deaths: exit, crash, OOM).
describe('worker loss (scheduler)', () => {
  it('fails the running task with WorkerLostError, requeues what never started, replaces the worker', async () => {
    const gate = await Gate.open();
    const factory = inline();
    const pool = new PoolExecutor({ transport: factory, maxWorkers: 1, maxInFlight: 4 });
    const held = pool.submit(tasks.gate, gate.path, 'held', 1);
    const behind = pool.submit(tasks.add, 1, 1);
    await gate.arrived('held');
    factory.last!.kill(1);
    const error = await held.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerLostError);
    expect((error as WorkerLostError).workerId).toBe(1);
    // queued behind the lost task (never started): runs on the replacement, free of charge
    expect(await behind).toBe(2);
    expect(pool.stats().retried).toBe(0);
    expect(await pool.submit(tasks.add, 2, 2)).toBe(4);
    await gate.close();
    await pool.shutdown();
  });

  it('resubmits to another worker when retries allow', async () => {
    const gate = await Gate.open();
    const factory = inline();
    const pool = new PoolExecutor({ transport: factory, maxWorkers: 1, retries: 1 });
    const held = pool.submit(tasks.gate, gate.path, 'r', 'second try');
    await gate.arrived('r');
    gate.release('r'); // the replacement worker's attempt passes at once
    factory.last!.kill(1);
    expect(await held).toBe('second try');
    expect(pool.stats().retried).toBe(1);
    await gate.close();
    await pool.shutdown();
  });
});
