import { expect, it } from 'vitest';
import { TimeoutError } from '../../errors.js';
import { type SuiteContext, tasks } from '../context.js';

async function take<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

export function mapSuite(ctx: SuiteContext): void {
  const gateArgs = (names: string[]) =>
    names.map((n, i) => [ctx.gate.path, n, i] as [string, string, unknown]);

  it('yields results in input order although they complete out of order', async () => {
    const pool = ctx.make({ maxWorkers: 2, maxInFlight: 1 });
    const results = pool.starmap(tasks.gate, gateArgs(['o0', 'o1', 'o2']));
    await ctx.gate.arrived('o1');
    ctx.gate.release('o1');
    await ctx.gate.arrived('o2');
    ctx.gate.release('o2');
    ctx.gate.release('o0');
    expect(await take(results)).toEqual([0, 1, 2]);
  });

  it('unordered yields in completion order', async () => {
    const pool = ctx.make({ maxWorkers: 2, maxInFlight: 1 });
    const results = pool.starmap(tasks.gate, gateArgs(['u0', 'u1', 'u2']), { unordered: true });
    const seen: unknown[] = [];
    const iter = results[Symbol.asyncIterator]();
    await ctx.gate.arrived('u1');
    ctx.gate.release('u1');
    seen.push((await iter.next()).value);
    await ctx.gate.arrived('u2');
    ctx.gate.release('u2');
    seen.push((await iter.next()).value);
    ctx.gate.release('u0');
    seen.push((await iter.next()).value);
    expect((await iter.next()).done).toBe(true);
    expect(seen).toEqual([1, 2, 0]);
  });

  it('chunksize groups items per task and flattens results in order', async () => {
    const pool = ctx.make();
    const items = Array.from({ length: 10 }, (_, i) => i);
    expect(await take(pool.map(tasks.square, items, { chunksize: 3 }))).toEqual(items.map((x) => x * x));
    expect(pool.stats().submitted).toBe(4);
    expect(await take(pool.map(tasks.square, items, { chunksize: 4, unordered: true }))).toHaveLength(10);
    expect(
      await take(
        pool.starmap(
          tasks.add,
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          { chunksize: 2 },
        ),
      ),
    ).toEqual([3, 7, 11]);
  });

  it('starmap spreads argument tuples; an empty input yields nothing', async () => {
    const pool = ctx.make();
    expect(
      await take(
        pool.starmap(tasks.add, [
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toEqual([3, 7]);
    expect(await take(pool.map(tasks.square, []))).toEqual([]);
  });

  it('raises the first error at its position and cancels the rest', async () => {
    const pool = ctx.make();
    const seen: number[] = [];
    const items = [0, 1, 2, 3, 4, 5].map((x) => [x, 3] as [number, number]);
    const error = await (async () => {
      for await (const v of pool.starmap(tasks.squareOrFail, items)) seen.push(v);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0, 1, 4]);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('bad item 3');
  });

  it('timeout counts from the call, raises TimeoutError and cancels what is queued', async () => {
    const pool = ctx.make({ maxWorkers: 1, maxInFlight: 1 });
    const results = pool.starmap(tasks.gate, gateArgs(['t0', 't1', 't2', 't3']), { timeout: 50 });
    await ctx.gate.arrived('t0');
    const error = await take(results).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    ctx.gate.release('t0');
    expect(pool.stats().cancelled).toBe(3);
    await pool.shutdown();
    expect(ctx.gate.hasArrived('t1')).toBe(false);
  });

  it('leaving the loop early cancels what is still queued', async () => {
    const pool = ctx.make({ maxWorkers: 1, maxInFlight: 1 });
    ctx.gate.release('e0');
    for await (const v of pool.starmap(tasks.gate, gateArgs(['e0', 'e1', 'e2', 'e3', 'e4']))) {
      expect(v).toBe(0);
      break;
    }
    ctx.gate.release('e1'); // e1 may have started running already: let it finish
    await pool.shutdown();
    const stats = pool.stats();
    expect(stats.cancelled).toBeGreaterThanOrEqual(3);
    expect(ctx.gate.hasArrived('e2') || ctx.gate.hasArrived('e3') || ctx.gate.hasArrived('e4')).toBe(false);
  });

  it('buffersize bounds how far submission runs ahead of the consumer, for sync and async sources', async () => {
    const pool = ctx.make();
    let produced = 0;
    function* endless() {
      for (let i = 0; ; i++) {
        produced++;
        yield i;
      }
    }
    const got: number[] = [];
    for await (const v of pool.map(tasks.square, endless(), { buffersize: 3 })) {
      got.push(v);
      expect(produced).toBeLessThanOrEqual(got.length + 3);
      if (got.length === 10) break;
    }
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i * i));

    let asyncProduced = 0;
    async function* source() {
      for (let i = 0; i < 12; i++) {
        asyncProduced++;
        yield i;
      }
    }
    const fromAsync: number[] = [];
    for await (const v of pool.map(tasks.square, source(), { buffersize: 2, chunksize: 2 })) {
      fromAsync.push(v);
      expect(asyncProduced).toBeLessThanOrEqual(fromAsync.length + 2 * 2 + 2);
    }
    expect(fromAsync).toEqual(Array.from({ length: 12 }, (_, i) => i * i));
  });

  it('validates chunksize, buffersize and timeout at the call', () => {
    const pool = ctx.make();
    expect(() => pool.map(tasks.square, [1], { chunksize: 0 })).toThrow(RangeError);
    expect(() => pool.map(tasks.square, [1], { chunksize: 1.5 })).toThrow(/chunksize/);
    expect(() => pool.map(tasks.square, [1], { buffersize: 0 })).toThrow(/buffersize/);
    expect(() => pool.map(tasks.square, [1], { buffersize: 2, unordered: true })).toThrow(/buffersize/);
    expect(() => pool.map(tasks.square, [1], { timeout: -1 })).toThrow(RangeError);
    expect(() => pool.map(tasks.square, 42 as unknown as number[])).toThrow(/iterable/);
  });
}
