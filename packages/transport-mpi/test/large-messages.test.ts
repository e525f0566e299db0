import { PoolExecutor } from '@futures/core';
import { untilGone } from '@futures/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mpi } from '../src/index.js';
import { HAS_MPI, NO_MPI_REASON, newTag, taggedWorkers } from './support/processes.js';
import { tasks } from './support/tasks.js';

// Messages over 2 GiB (MPI counts are ints: the transport cuts them in chunks) and the
// event loop while a 1 GiB message travels (every MPI call is on the progress thread).

const TAG = newTag();
process.env.FUTURES_TEST_TAG = TAG;

function sampleOf(bytes: Uint8Array, step = 65536): [number, number, number] {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += step) sum = (sum * 31 + bytes[i]!) % 1_000_000_007;
  return [bytes.length, sum, bytes.length > 0 ? bytes[bytes.length - 1]! : -1];
}

function patterned(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) b[i] = (i >>> 12) & 0xff;
  for (let i = 0; i < size; i += 65536) b[i] = (i >>> 16) * 7 + 3;
  b[size - 1] = 0xa5;
  return b;
}

describe.skipIf(!HAS_MPI)(`large messages${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, () => {
  let pool: PoolExecutor;

  beforeAll(async () => {
    pool = new PoolExecutor({ transport: mpi(), maxWorkers: 1 });
    await pool.bootup();
  });

  afterAll(async () => {
    await pool?.shutdown();
    expect(await untilGone(() => taggedWorkers(TAG))).toEqual([]);
  });

  it('round-trips a payload of 2 GiB + 1 byte intact', async () => {
    const size = 2 ** 31 + 1;
    const payload = patterned(size);
    const expected = sampleOf(payload);
    // there: the worker samples what it received; and back: the echo, sampled here
    expect(await pool.submit(tasks.sample, payload)).toEqual(expected);
    const back = await pool.submit(tasks.echo, payload);
    expect(back === payload).toBe(false); // (not expect(back): matchers would walk 2 GiB)
    expect(back.byteLength).toBe(size);
    expect(sampleOf(back)).toEqual(expected);
    expect(back[size - 1]).toBe(0xa5);
  }, 400_000); // first-touch page faults of fresh memory dominate on virtual machines (~0.3 GB/s)

  it('keeps the event loop responsive while a 1 GiB message is in flight', async () => {
    const size = 2 ** 30;
    const payload = patterned(size);
    let last = performance.now();
    let maxGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const t0 = performance.now();
    const back = await pool.submit(tasks.echo, payload);
    const took = performance.now() - t0;
    clearInterval(timer);
    expect(back.byteLength).toBe(size);
    expect(back[size - 1]).toBe(0xa5);
    // The round trip takes a while (a blocking MPI call would stall the loop for all of it),
    // and the 10 ms timer kept firing: its longest gap is a small part of the transfer.
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(maxGap).toBeLessThan(Math.max(1000, took / 4));
  });
});
